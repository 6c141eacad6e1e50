import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotIdFor } from '../../machines/index.js';
import { applyRecorded, createReadModels } from '../../projections/index.js';
import type { Clock } from '../../src/clock.js';
import { createEngine } from '../../src/engine/engine.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { createSqliteLog } from '../../src/eventlog/sqlite.js';
import { createSnapshotFile, SNAPSHOT_FILE } from '../../src/snapshots/file.js';
import { OWNER } from '../support/engine-harness.js';
import { anna, MINUTE, simulatedClock, T0, tempDir } from '../support/fixtures.js';

// `npm run verify` (dist/src/verify.js, built by `npm test`) on a real SQLite log written by
// the engine: clean, it says OK and exits 0; with a fault planted behind the engine's back
// (a raw INSERT, as a bug or a hand edit would), it names it and exits 1.

const VERIFY = join(import.meta.dirname, '../../dist/src/verify.js');
const dir = tempDir('holdfast-verify-');
const path = join(dir.path, 'holdfast.db');
const AT = new Date(T0 + 4 * MINUTE).toISOString(); // cy's hold (taken at 3 min) still live
const [first, second, third] = [4, 5, 6].map((h) => slotIdFor('Anna', anna(h).startsAt));

const verify = (...args: string[]) => {
  const result = spawnSync(process.execPath, [VERIFY, ...args], {
    encoding: 'utf8',
    env: { ...process.env, EVENTSTORE_URL: '' },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
};

beforeAll(async () => {
  if (!existsSync(VERIFY)) throw new Error(`${VERIFY} is missing: run "npm run build" (npm test does) first`);
  const clock = simulatedClock();
  const log = createSqliteLog({ path, clock });
  const engine = createEngine({ log, clock: clock as Clock, holdSeconds: 180, maxHoldsPerClient: 2 });
  await engine.start();
  for (const h of [4, 5, 6]) await engine.open(anna(h), OWNER);
  await engine.reserve(first ?? '', 'ada');
  await engine.book(first ?? '', 'ada', { name: 'Ada', phone: '07700 900001' });
  await engine.reserve(second ?? '', 'bo');
  clock.increment(3 * MINUTE + 1);
  await engine.whenIdle(); // bo's hold expired, with an event
  await engine.reserve(third ?? '', 'cy'); // live at AT
  await engine.stop();
  await log.close();
});
afterAll(() => dir.remove());

describe('npm run verify', () => {
  it('reports a sound log and exits 0', () => {
    const { code, out } = verify('--file', path, '--at', AT);
    expect(out).toContain('events          8 in 3 timeslot streams');
    expect(out).toContain('booked 1');
    expect(out).toContain('live holds      1');
    expect(out).toContain('result          OK');
    expect(code).toBe(0);
  });

  it('reads the log the app would use, from --data-dir', () => {
    expect(verify('--data-dir', dir.path, '--at', AT).code).toBe(0);
  });

  it('checks the read-model snapshot beside the log: a replay must give the same models', async () => {
    // The fingerprint of the fold verify runs (the built code), so it takes this snapshot as its own.
    const built = pathToFileURL(join(import.meta.dirname, '../../dist/src/snapshots/fingerprint.js')).href;
    const { foldFingerprint } = (await import(built)) as { foldFingerprint(): string };
    const snapshotPath = join(dir.path, SNAPSHOT_FILE);
    const log = createSqliteLog({ path, readonly: true });
    const models = createReadModels();
    for (const event of await readWholeLog(log)) applyRecorded(models, event);
    expect(await createSnapshotFile({ path: snapshotPath, fold: foldFingerprint() }).save(models, log)).toBe(true);
    await log.close();
    try {
      const sound = verify('--file', path, '--at', AT);
      expect(sound.out).toContain('snapshot        OK: equals a replay of the log to position 8');
      expect(sound.code).toBe(0);

      // A fold bug as it would show: the snapshot offers the booked slot as available.
      const snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8'));
      const booked = snapshot.slots.find((s: { status: string }) => s.status === 'booked');
      booked.status = 'available';
      writeFileSync(snapshotPath, JSON.stringify(snapshot));
      const bad = verify('--file', path, '--at', AT);
      expect(bad.out).toContain('snapshot        DIFFERS from a replay of the log to position 8');
      expect(bad.code).toBe(1);
      expect(JSON.parse(verify('--file', path, '--at', AT, '--json').out).snapshot).toMatchObject({
        status: 'differs',
        position: 8,
      });

      // One a start would not use is harmless: said, not failed.
      writeFileSync(snapshotPath, '{"format":1,');
      const torn = verify('--file', path, '--at', AT);
      expect(torn.out).toContain('snapshot        not used by a start: not valid JSON');
      expect(torn.code).toBe(0);
    } finally {
      rmSync(snapshotPath, { force: true });
    }
    expect(verify('--file', path, '--at', AT).out).toContain('snapshot        none');
  });

  it('finds a planted second booking and exits 1, naming the slot', () => {
    const raw = new Database(path);
    const insert = raw.prepare(
      'INSERT INTO events (stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const at = new Date(T0 + 5 * MINUTE).toISOString();
    const expires = new Date(T0 + 8 * MINUTE).toISOString();
    insert.run(
      `timeslot-${first}`,
      3,
      'TimeslotReserved',
      JSON.stringify({ holdId: 'intruder', clientId: 'eve', reservedAt: at, expiresAt: expires }),
      '{}',
      at,
    );
    insert.run(
      `timeslot-${first}`,
      4,
      'TimeslotBooked',
      JSON.stringify({
        holdId: 'intruder',
        bookingId: 'HF-EVE0-EVE0',
        clientId: 'eve',
        customer: { name: 'Eve' },
        bookedAt: at,
      }),
      '{}',
      at,
    );
    raw.close();
    const { code, out } = verify('--file', path, '--at', AT);
    expect(out).toContain('1 VIOLATION(S)');
    expect(out).toContain(`${first} @3 TimeslotReserved: the slot was booked, not available`);
    expect(code).toBe(1);
    const json = JSON.parse(verify('--file', path, '--at', AT, '--json').out);
    expect(json.violations).toEqual([expect.objectContaining({ slotId: first, revision: 3 })]);
  });

  it('finds a hold that lapsed without ending when checked later, and refuses a bad --at or a missing log', () => {
    const later = new Date(T0 + 60 * MINUTE).toISOString();
    expect(verify('--file', path, '--at', later).out).toMatch(
      new RegExp(`${third} @1 TimeslotReserved: hold .* lapsed`),
    );
    expect(verify('--file', path, '--at', 'tuesday')).toMatchObject({ code: 2, err: expect.stringContaining('--at') });
    expect(verify('--file', join(dir.path, 'nope.db'))).toMatchObject({
      code: 2,
      err: expect.stringContaining('no log'),
    });
  });
});
