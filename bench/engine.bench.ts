import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EVENT_SCHEMA_VERSION, streamIdOf } from '../machines/index.js';
import { systemClock } from '../src/clock.js';
import { createEngine } from '../src/engine/engine.js';
import { createMemoryLog } from '../src/eventlog/memory.js';
import type { EventLog } from '../src/eventlog/port.js';
import { createSqliteLog } from '../src/eventlog/sqlite.js';
import { type PlannedSlot, planSlots, SLOT_MINUTES, storyOf } from './lib/history.js';

const SLOT_MS = SLOT_MINUTES * 60_000;

import { round } from './lib/stats.js';

// Commands through the actors with no HTTP in the way: `concurrency` clients each take
// the next slot, reserve it and book it. On SQLite every command is durable (group commit,
// synchronous=FULL) before it is answered. The ceiling is better-sqlite3 itself inserting
// the same number of rows, in batches of the same size, with the same durability.

export type EngineFigures = {
  commands: number;
  concurrency: number;
  sqlite: { commandsPerSecond: number };
  memory: { commandsPerSecond: number };
  /** A service flow: hold a 4-slot appointment, book it (two commands, each one write across 4 streams). */
  appointments?: { slotsPerAppointment: number; sqlite: { commandsPerSecond: number; slotsPerSecond: number } };
  rawSqliteInserts: { rowsPerSecond: number; batch: number };
};

const CUSTOMER = { name: 'Bench Client', phone: '+44 7700 900123' };

/** Opens the slots straight through the log (not measured). */
const seed = async (log: EventLog, slots: readonly PlannedSlot[], at: number) => {
  await Promise.all(
    slots.map((slot, n) => {
      const [opened] = storyOf(slot, n, 1, at);
      if (opened === undefined) throw new Error('no opening fact');
      const metadata = { schemaVersion: EVENT_SCHEMA_VERSION, actor: opened.actor };
      return log.append(streamIdOf(slot.slotId), [{ ...opened.event, metadata }], 'no_stream');
    }),
  );
};

const commandsPerSecond = async (log: EventLog, slots: readonly PlannedSlot[], concurrency: number) => {
  await seed(log, slots, Date.now() - 3_600_000);
  const engine = createEngine({ log, clock: systemClock, holdSeconds: 180, maxHoldsPerClient: 100 });
  await engine.start();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let slot = slots[next++]; slot !== undefined; slot = slots[next++]) {
        const client = `bench-${worker}-${next}`;
        await engine.reserve(slot.slotId, client);
        await engine.book(slot.slotId, client, CUSTOMER);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  await engine.stop();
  await log.close();
  return { commandsPerSecond: round((slots.length * 2) / seconds) };
};

/**
 * The same, for appointments of `size` contiguous slots (a 60-minute colour on a 15-minute
 * grid): reserve the run with a service, book it from its last slot.
 */
const appointmentCommandsPerSecond = async (
  log: EventLog,
  slots: readonly PlannedSlot[],
  concurrency: number,
  size: number,
) => {
  await seed(log, slots, Date.now() - 3_600_000);
  const engine = createEngine({ log, clock: systemClock, holdSeconds: 180, maxHoldsPerClient: 100 });
  await engine.start();
  const runs = contiguousRuns(slots, size);
  const service = { id: 'bench-colour', name: 'Bench colour', durationMinutes: (size * SLOT_MS) / 60_000 };
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let run = runs[next++]; run !== undefined; run = runs[next++]) {
        const client = `bench-${worker}-${next}`;
        const [first] = run;
        await engine.reserve(first ?? '', client, {}, { slotIds: run, service });
        await engine.book(run.at(-1) ?? '', client, CUSTOMER);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  await engine.stop();
  await log.close();
  return {
    commandsPerSecond: round((runs.length * 2) / seconds),
    slotsPerSecond: round((runs.length * size * 2) / seconds),
  };
};

/** Runs of `size` contiguous slots of one stylist, from planSlots' layout (stylist-major columns). */
const contiguousRuns = (slots: readonly PlannedSlot[], size: number): string[][] => {
  const byStylist = new Map<string, PlannedSlot[]>();
  for (const slot of slots) byStylist.set(slot.stylist, [...(byStylist.get(slot.stylist) ?? []), slot]);
  const runs: string[][] = [];
  for (const own of byStylist.values()) {
    own.sort((a, b) => a.startsAt - b.startsAt);
    for (let i = 0; i + size <= own.length; i += size) runs.push(own.slice(i, i + size).map((s) => s.slotId));
  }
  return runs;
};

const rawInserts = async (file: string, rows: number, batch: number) => {
  await createSqliteLog({ path: file }).close(); // the app's schema
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const data = {
    holdId: 'h',
    clientId: 'c',
    reservedAt: new Date().toISOString(),
    expiresAt: new Date().toISOString(),
  };
  const metadata = { schemaVersion: 1, actor: { kind: 'client', id: 'c' } };
  const commit = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) {
      insert.run(`raw-${i}`, 0, 'TimeslotReserved', JSON.stringify(data), JSON.stringify(metadata), data.reservedAt);
    }
  });
  const started = performance.now();
  for (let i = 0; i < rows; i += batch) commit.immediate(i, Math.min(rows, i + batch));
  const seconds = (performance.now() - started) / 1_000;
  db.close();
  return { rowsPerSecond: round(rows / seconds), batch };
};

export const benchEngine = async (options: { slots: number; concurrency: number }): Promise<EngineFigures> => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-engine-'));
  try {
    const slots = planSlots(options.slots, Date.now() + 86_400_000);
    const sqlite = await commandsPerSecond(
      createSqliteLog({ path: join(dir, 'engine.db') }),
      slots,
      options.concurrency,
    );
    const memory = await commandsPerSecond(createMemoryLog(), slots, options.concurrency);
    const raw = await rawInserts(join(dir, 'raw.db'), options.slots * 2, options.concurrency);
    const size = 4;
    const appointments = {
      slotsPerAppointment: size,
      sqlite: await appointmentCommandsPerSecond(
        createSqliteLog({ path: join(dir, 'appointments.db') }),
        slots,
        options.concurrency,
        size,
      ),
    };
    return {
      commands: options.slots * 2,
      concurrency: options.concurrency,
      sqlite,
      memory,
      appointments,
      rawSqliteInserts: raw,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
