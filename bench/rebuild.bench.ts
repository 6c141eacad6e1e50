import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../src/clock.js';
import { createEngine } from '../src/engine/engine.js';
import { createSqliteLog } from '../src/eventlog/sqlite.js';
import { createSnapshotFile } from '../src/snapshots/file.js';
import { planSlots, writeHistory } from './lib/history.js';
import { startHoldfast } from './lib/processes.js';
import { round, timed } from './lib/stats.js';

// Start-up is a replay of the log into the read models. Measured on one file: the raw read
// (SQLite rows, nothing parsed); in this process, a full replay and a rebuild from the
// read-model snapshot (load it, replay what follows); and the real app process from spawn to
// /readyz 200, first with no snapshot (a full replay, which leaves one), then from it.

export type RebuildFigures = {
  slots: number;
  events: number;
  fileMB: number;
  rawReadEventsPerSecond: number;
  replay: { ms: number; eventsPerSecond: number; ofRawRead: number };
  /** Spawn → ready, replaying the whole log. */
  processReadyMs: number;
  /** The same, from the read-model snapshot the first start left: loaded, then the tail replayed. */
  snapshot: { ms: number; eventsPerSecond: number; fileMB: number; processReadyMs: number };
};

export const benchRebuild = async (options: { slots: number; eventsPerSlot: number }): Promise<RebuildFigures> => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-rebuild-'));
  const file = join(dir, 'holdfast.db');
  try {
    const now = Date.now();
    const slots = planSlots(options.slots, now + 86_400_000);
    const events = await writeHistory(file, slots, options.eventsPerSlot, now - 86_400_000);

    const raw = await timed(async () => {
      const db = new Database(file, { readonly: true });
      let rows = 0;
      for (const _row of db.prepare('SELECT * FROM events ORDER BY position').iterate()) rows += 1;
      db.close();
      return rows;
    });
    if (raw.value !== events) throw new Error(`read ${raw.value} of ${events} events`);

    const rebuild = async (snapshotFile?: string) => {
      const log = createSqliteLog({ path: file });
      const models =
        snapshotFile === undefined ? undefined : await createSnapshotFile({ path: snapshotFile }).load(log);
      if (snapshotFile !== undefined && models === undefined) throw new Error('the snapshot was refused');
      const engine = createEngine({
        log,
        clock: systemClock,
        holdSeconds: 180,
        maxHoldsPerClient: 2,
        ...(models !== undefined && { models }),
      });
      await engine.start();
      const seen = engine.models.availability.slots.size;
      await engine.stop();
      await log.close();
      if (seen !== options.slots) throw new Error(`rebuilt ${seen} of ${options.slots} slots`);
    };
    const replay = await timed(() => rebuild());

    const ready = await timed(() => startHoldfast(dir, { LOG_LEVEL: 'info' }));
    // A start that replayed this much leaves a snapshot (written just after it is ready).
    while (!ready.value.output().includes('saved the read-model snapshot')) {
      if (ready.value.proc.exitCode !== null || ready.value.output().includes('snapshot failed')) {
        await ready.value.stop();
        throw new Error(`the app left no snapshot:\n${ready.value.output()}`);
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    await ready.value.stop();
    const snapshotFile = join(dir, 'readmodels.snapshot.json');
    const restored = await timed(() => rebuild(snapshotFile));
    const fromSnapshot = await timed(() => startHoldfast(dir, { LOG_LEVEL: 'info' }));
    await fromSnapshot.value.stop();
    if (!fromSnapshot.value.output().includes('read models from snapshot')) {
      throw new Error(`the app did not start from the snapshot:\n${fromSnapshot.value.output()}`);
    }

    const rawPerSecond = events / (raw.ms / 1_000);
    const replayPerSecond = events / (replay.ms / 1_000);
    return {
      slots: options.slots,
      events,
      fileMB: round(statSync(file).size / 1_048_576),
      rawReadEventsPerSecond: round(rawPerSecond),
      replay: {
        ms: round(replay.ms),
        eventsPerSecond: round(replayPerSecond),
        ofRawRead: round(replayPerSecond / rawPerSecond),
      },
      processReadyMs: round(ready.ms),
      snapshot: {
        ms: round(restored.ms),
        eventsPerSecond: round(events / (restored.ms / 1_000)),
        fileMB: round(statSync(snapshotFile).size / 1_048_576),
        processReadyMs: round(fromSnapshot.ms),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
