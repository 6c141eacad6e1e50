import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { checkLog } from '../projections/index.js';
import { readWholeLog } from '../src/eventlog/port.js';
import { createSqliteLog } from '../src/eventlog/sqlite.js';
import { findPgBin, INSTALL_HINT, startCluster } from './baseline/postgres-cluster.js';
import { type PlannedSlot, planSlots, writeHistory } from './lib/history.js';
import { type Call, type Flow, type LoadResult, runLoad } from './lib/load.js';
import { DIST, freePort, type Server, startHoldfast, startProcess } from './lib/processes.js';

// Complete client flows over real HTTP — a new session reserves a slot, then books it —
// against three servers, one after another on the same machine: Holdfast (the real app
// process, SQLite log), the seed's PostgreSQL design, and a bare Fastify route (the ceiling).

export type HttpOptions = { seconds: number; warmupSeconds: number; spread: number[]; hot: number[]; slots: number };
export type SystemFigures = {
  spread: LoadResult[];
  hot: Array<LoadResult & { bookings: number; doubleBookings: number }>;
};
export type HttpFigures = {
  holdfast: SystemFigures & { logViolations: number; events: number };
  postgres: (SystemFigures & { version: string }) | { skipped: string };
  bare: SystemFigures;
};

const CUSTOMER = { customer: { name: 'Bench Client', phone: '+44 7700 900123' } };

/** A new session (no cookie) reserves the slot, then books it with the cookie it was given. */
const reserveThenBook = async (call: Call, slotId: string): Promise<boolean> => {
  const held = await call('POST', `/api/timeslots/${slotId}/reserve`, { json: {} });
  if (held.status !== 200) return false;
  const booked = await call('POST', `/api/timeslots/${slotId}/book`, {
    ...(held.cookie !== undefined && { cookie: held.cookie }),
    json: CUSTOMER,
  });
  return booked.status === 200;
};

/**
 * Each flow takes the next unused slot. One cursor serves every load level of a server, so
 * no level (warm-up included) reuses a slot an earlier level booked.
 */
const spreadFlow = (slots: readonly PlannedSlot[]): Flow => {
  let next = 0;
  return (call) => {
    const slot = slots[next++];
    if (slot === undefined) throw new Error('the benchmark ran out of slots; raise the slot count in run.ts');
    return reserveThenBook(call, slot.slotId);
  };
};

/**
 * Every client goes for the same slot; whoever holds it books it, and then everyone moves
 * on to the next one (the round carries over between load levels). Counts bookings per
 * slot in `wins`: more than one would be a double booking.
 */
const hotFlows = (slots: readonly PlannedSlot[]) => {
  let round = 0;
  return (wins: Map<string, number>): Flow =>
    async (call) => {
      const slot = slots[round];
      if (slot === undefined) throw new Error('the benchmark ran out of hot slots');
      if (!(await reserveThenBook(call, slot.slotId))) return false;
      wins.set(slot.slotId, (wins.get(slot.slotId) ?? 0) + 1);
      if (slots[round] === slot) round += 1;
      return true;
    };
};

const runScenarios = async (
  server: Server,
  slots: readonly PlannedSlot[],
  options: HttpOptions,
  label: string,
): Promise<SystemFigures> => {
  const load = { base: server.base, seconds: options.seconds, warmupSeconds: options.warmupSeconds };
  const spreadFlows = spreadFlow(slots.slice(20_000));
  const hotFlow = hotFlows(slots.slice(0, 20_000));
  const spread: LoadResult[] = [];
  for (const connections of options.spread) {
    const result = await runLoad({ ...load, connections, flow: spreadFlows });
    spread.push(result);
    console.log(`  ${label} spread c=${connections}: ${result.flowsPerSecond} flows/s p99 ${result.latencyMs.p99} ms`);
  }
  const hot: SystemFigures['hot'] = [];
  for (const connections of options.hot) {
    const wins = new Map<string, number>(); // warm-up included: a double booking then counts too
    const result = await runLoad({ ...load, connections, flow: hotFlow(wins) });
    const doubleBookings = [...wins.values()].filter((n) => n > 1).length;
    hot.push({ ...result, bookings: wins.size, doubleBookings });
    console.log(
      `  ${label} hot c=${connections}: ${result.attemptsPerSecond} attempts/s p99 ${result.latencyMs.p99} ms`,
    );
  }
  return { spread, hot };
};

const benchHoldfast = async (slots: readonly PlannedSlot[], options: HttpOptions, now: number) => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-http-'));
  const file = join(dir, 'holdfast.db');
  try {
    await writeHistory(file, slots, 1, now - 3_600_000);
    // Snapshots only touch start and stop, but the one a long start-up replay writes would
    // land in the first measured second: leave them out of the request figures.
    const server = await startHoldfast(dir, { SNAPSHOTS: '0' });
    let figures: SystemFigures;
    try {
      figures = await runScenarios(server, slots, options, 'holdfast');
    } finally {
      await server.stop();
    }
    // The run is only worth reporting if the log it left is sound.
    const log = createSqliteLog({ path: file, readonly: true });
    const events = await readWholeLog(log, 10_000);
    await log.close();
    const report = checkLog(events, Date.now());
    return { ...figures, logViolations: report.violations.length, events: events.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const benchPostgres = async (slots: readonly PlannedSlot[], options: HttpOptions) => {
  if (findPgBin() === undefined) {
    console.error(`\n!!! PostgreSQL baseline SKIPPED. ${INSTALL_HINT}\n`);
    return { skipped: INSTALL_HINT };
  }
  const cluster = startCluster(await freePort());
  try {
    const env = { PG_HOST: cluster.socketDir, PG_PORT: String(cluster.port) };
    const server = await startProcess(join(DIST, 'bench', 'baseline', 'seed-pg-server.js'), env);
    try {
      const db = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: 'postgres', database: 'postgres' });
      await db.connect();
      for (let i = 0; i < slots.length; i += 10_000) {
        const chunk = slots.slice(i, i + 10_000);
        await db.query(
          `INSERT INTO timeslots (id, stylist, start_time, end_time)
           SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[])`,
          [
            chunk.map((s) => s.slotId),
            chunk.map((s) => s.stylist),
            chunk.map((s) => new Date(s.startsAt).toISOString()),
            chunk.map((s) => new Date(s.endsAt).toISOString()),
          ],
        );
      }
      await db.query('VACUUM ANALYZE timeslots');
      await db.end();
      return { ...(await runScenarios(server, slots, options, 'postgres')), version: cluster.version };
    } finally {
      await server.stop();
    }
  } finally {
    cluster.stop();
  }
};

const benchBare = async (slots: readonly PlannedSlot[], options: HttpOptions) => {
  const server = await startProcess(join(DIST, 'bench', 'baseline', 'bare-server.js'), {});
  try {
    return await runScenarios(server, slots, { ...options, hot: [] }, 'bare');
  } finally {
    await server.stop();
  }
};

export const benchHttp = async (options: HttpOptions): Promise<HttpFigures> => {
  const now = Date.now();
  const slots = planSlots(options.slots, now + 86_400_000);
  const bare = await benchBare(slots, options);
  const holdfast = await benchHoldfast(slots, options, now);
  const postgres = await benchPostgres(slots, options);
  return { holdfast, postgres, bare };
};
