import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotIdFor } from '../../machines/index.js';
import type { Clock } from '../../src/clock.js';
import { createEngine } from '../../src/engine/engine.js';
import { createSqliteLog } from '../../src/eventlog/sqlite.js';
import { createSnapshotFile } from '../../src/snapshots/file.js';
import { OWNER, sqliteRig } from '../support/engine-harness.js';
import { anna, tempDir, until } from '../support/fixtures.js';
import { assertBuilt, browser, type ServerProcess, startServer, stopServer } from '../support/server-process.js';

// Read-model snapshots beside the SQLite log: trusted only when they are of this log and
// this fold, and a restart from one ends in the same models as a full replay.

const SNAPSHOT = 'readmodels.snapshot.json';
const customer = { name: 'Ada', phone: '07700 900001' };

describe('the snapshot file on a real SQLite log', () => {
  it('restores the models a full replay gives, is private, and is refused for another log or fold', async () => {
    const rig = await sqliteRig();
    const dir = tempDir();
    const path = join(dir.path, SNAPSHOT);
    const store = createSnapshotFile({ path });
    try {
      for (let h = 4; h <= 7; h += 1) await rig.engine.open(anna(h), OWNER);
      const [a, b, c] = [4, 5, 6].map((h) => slotIdFor('Anna', anna(h).startsAt)) as [string, string, string];
      await rig.engine.reserve(a, 'ada');
      await rig.engine.book(a, 'ada', customer);
      await rig.engine.reserve(b, 'bob');
      expect(await store.save(rig.engine.models, rig.log)).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      await rig.engine.reserve(c, 'cy'); // after the snapshot: replayed from the log

      const models = await store.load(rig.log);
      if (models === undefined) throw new Error('the snapshot of this log was refused');
      expect(models.position).toBeLessThan(rig.engine.models.position);
      const restored = createEngine({
        models,
        log: rig.log,
        clock: rig.clock as Clock,
        holdSeconds: 180,
        maxHoldsPerClient: 2,
      });
      await restored.start();
      const { availability, bookings, holdOutcomes, position } = rig.engine.models;
      expect(restored.models.position).toBe(position);
      expect([...restored.models.availability.slots]).toEqual([...availability.slots]);
      expect([...restored.models.availability.holdsByClient]).toEqual([...availability.holdsByClient]);
      expect([...restored.models.availability.heldInOrder]).toEqual([...availability.heldInOrder]);
      expect([...restored.models.bookings.byId]).toEqual([...bookings.byId]);
      expect([...restored.models.holdOutcomes]).toEqual([...holdOutcomes]);
      await restored.stop();

      // Another log (a fresh file with different events at the same positions): not ours.
      const other = tempDir();
      const otherLog = createSqliteLog({ path: join(other.path, 'events.db') });
      for (let i = 0; i < 10; i += 1) {
        await otherLog.append(`other-${i}`, [{ type: 'Noise', data: {} }], 'no_stream');
      }
      expect(await store.load(otherLog)).toBeUndefined();
      await otherLog.close();
      other.remove();

      // Different fold code (a changed projection) or a damaged file: replay instead.
      expect(await createSnapshotFile({ path, fold: 'another fold' }).load(rig.log)).toBeUndefined();
      writeFileSync(path, readFileSync(path, 'utf8').slice(0, 200));
      expect(await store.load(rig.log)).toBeUndefined();
    } finally {
      await rig.dispose();
      dir.remove();
    }
  });
});

describe('the real process', () => {
  const dir = tempDir('holdfast-snapshot-');
  let current: ServerProcess | undefined;
  const start = async () => {
    current = await startServer({ DATA_DIR: dir.path, DEMO: '1', RATE_LIMIT_PER_MINUTE: '0' });
    return current;
  };
  beforeAll(assertBuilt);
  afterAll(async () => {
    await stopServer(current);
    dir.remove();
  });

  it('snapshots on SIGTERM, starts from it, and replays what came after it when killed', async () => {
    const first = await start();
    const alice = browser(first.base);
    const slots = (await alice.call('GET', '/api/timeslots')).body as unknown as Array<{ id: string }>;
    const [one, two] = [slots[0]?.id ?? '', slots[1]?.id ?? ''];
    const bookSlot = async (client: ReturnType<typeof browser>, id: string) => {
      expect((await client.call('POST', `/api/timeslots/${id}/reserve`)).status).toBe(200);
      const booked = await client.call('POST', `/api/timeslots/${id}/book`, { customer });
      expect(booked.status).toBe(200);
      return `/api/bookings/${booked.body.booking.reference}?token=${booked.body.booking.manage_token}`;
    };
    const firstBooking = await bookSlot(alice, one);
    first.proc.kill('SIGTERM');
    expect(await first.exited()).toBe(0);
    expect(first.output()).toContain('saved the read-model snapshot');
    expect(statSync(join(dir.path, SNAPSHOT)).size).toBeGreaterThan(0);

    const second = await start();
    expect(second.output()).toContain('read models from snapshot');
    expect((await browser(second.base).call('GET', firstBooking)).body.booking?.status).toBe('confirmed');
    const secondBooking = await bookSlot(browser(second.base), two);
    second.proc.kill('SIGKILL'); // the snapshot on disk is now one booking behind the log
    await second.exited();

    const third = await start();
    expect(third.output()).toContain('read models from snapshot');
    // pino writes asynchronously: the line may land just after /readyz says ready.
    await until(() => /"replayed":[1-9]/.test(third.output()));
    const stranger = browser(third.base);
    expect((await stranger.call('GET', secondBooking)).body.booking?.status).toBe('confirmed');
    const listed = (await stranger.call('GET', '/api/timeslots')).body as unknown as Array<{ id: string }>;
    expect(listed.map((s) => s.id)).not.toContain(two);
    expect((await stranger.call('POST', `/api/timeslots/${two}/reserve`)).status).toBe(409);
  });
});
