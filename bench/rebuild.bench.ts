import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../src/clock.js';
import { createEngine } from '../src/engine/engine.js';
import { createSqliteLog } from '../src/eventlog/sqlite.js';
import { planSlots, writeHistory } from './lib/history.js';
import { startHoldfast } from './lib/processes.js';
import { round, timed } from './lib/stats.js';

// Start-up is a replay of the whole log into the read models. Measured three ways on one
// file: the raw read (SQLite rows, nothing parsed), the replay in this process, and the real
// app process from spawn to /readyz 200.

export type RebuildFigures = {
  slots: number;
  events: number;
  fileMB: number;
  rawReadEventsPerSecond: number;
  replay: { ms: number; eventsPerSecond: number; ofRawRead: number };
  processReadyMs: number;
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

    const replay = await timed(async () => {
      const log = createSqliteLog({ path: file });
      const engine = createEngine({ log, clock: systemClock, holdSeconds: 180, maxHoldsPerClient: 2 });
      await engine.start();
      const seen = engine.models.availability.slots.size;
      await engine.stop();
      await log.close();
      return seen;
    });
    if (replay.value !== options.slots) throw new Error(`replay saw ${replay.value} of ${options.slots} slots`);

    const ready = await timed(async () => (await startHoldfast(dir)).stop());

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
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
