import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { checkLog } from '../projections/index.js';
import { type NewEvent, readWholeLog } from '../src/eventlog/port.js';
import { createPostgresLog } from '../src/eventlog/postgres.js';
import { createSqliteLog } from '../src/eventlog/sqlite.js';
import { type Cluster, findPgBin, INSTALL_HINT, startCluster } from './baseline/postgres-cluster.js';
import { type PlannedSlot, planSlots, writeHistory } from './lib/history.js';
import { type Call, type Flow, type LoadResult, runLoad } from './lib/load.js';
import { DIST, freePort, type Server, startHoldfast, startProcess } from './lib/processes.js';

// Complete client flows over real HTTP — a new session reserves a slot, then books it —
// against four servers on the same machine: Holdfast (the real app process, SQLite log),
// Holdfast with its log on PostgreSQL, the seed's PostgreSQL design on that same server,
// and a bare Fastify route (the ceiling). This machine's
// speed drifts (the same server has measured 2× apart an hour later), so the three are
// up together and take turns: each load level runs against each server in turn, `rounds`
// times, and the figure kept is the median round. Ratios then compare like with like.

export type HttpOptions = {
  seconds: number;
  warmupSeconds: number;
  spread: number[];
  hot: number[];
  slots: number;
  rounds: number;
};
export type Measured = LoadResult & {
  /** Throughput of every round, in the order run (flows/s; attempts/s under hot contention). */
  rounds: number[];
};
export type SystemFigures = {
  spread: Measured[];
  hot: Array<Measured & { bookings: number; doubleBookings: number }>;
};
export type HttpFigures = {
  rounds: number;
  holdfast: SystemFigures & { logViolations: number; events: number };
  postgres: (SystemFigures & { version: string }) | { skipped: string };
  /** Holdfast with DATABASE_URL on the same PostgreSQL server as the seed's design. */
  holdfastPostgres: (SystemFigures & { logViolations: number; events: number }) | { skipped: string };
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
 * Each flow takes the next unused slot. One cursor serves every load level and round of a
 * server, so no run (warm-up included) reuses a slot an earlier one booked. The bare route
 * keeps no state, so it may go round the list again.
 */
const spreadFlow = (slots: readonly PlannedSlot[], wrap = false): Flow => {
  let next = 0;
  return (call) => {
    if (wrap && next >= slots.length) next = 0;
    const slot = slots[next++];
    if (slot === undefined) throw new Error('the benchmark ran out of slots; raise the slot count in run.ts');
    return reserveThenBook(call, slot.slotId);
  };
};

/**
 * Every client goes for the same slot; whoever holds it books it, and then everyone moves
 * on to the next one (the round carries over between runs). Counts bookings per slot in
 * `wins`, over every run against this server: more than one is a double booking.
 */
const hotFlow = (slots: readonly PlannedSlot[], wins: Map<string, number>): Flow => {
  let round = 0;
  return async (call) => {
    const slot = slots[round];
    if (slot === undefined) throw new Error('the benchmark ran out of hot slots');
    if (!(await reserveThenBook(call, slot.slotId))) return false;
    wins.set(slot.slotId, (wins.get(slot.slotId) ?? 0) + 1);
    if (slots[round] === slot) round += 1;
    return true;
  };
};

type Contender = { label: string; server: Server; spread: Flow; hot?: { flow: Flow; wins: Map<string, number> } };

/** A stateful server books each slot once and plays the hot-slot levels; the bare route does neither. */
const contender = (label: string, server: Server, slots: readonly PlannedSlot[], stateful: boolean): Contender => {
  const wins = new Map<string, number>();
  return {
    label,
    server,
    spread: spreadFlow(slots.slice(20_000), !stateful),
    ...(stateful && { hot: { flow: hotFlow(slots.slice(0, 20_000), wins), wins } }),
  };
};

/** The round with the median figure (kept whole: its latencies belong to it). */
const medianOf = <T>(rounds: readonly T[], figure: (round: T) => number): T => {
  const middle = [...rounds].sort((a, b) => figure(a) - figure(b))[Math.floor((rounds.length - 1) / 2)];
  if (middle === undefined) throw new Error('no rounds were run');
  return middle;
};

type Round = { result: LoadResult; bookings: number };

/** Every load level against every contender in turn, `rounds` times; the median round of each. */
const takeTurns = async (contenders: readonly Contender[], options: HttpOptions) => {
  const load = { seconds: options.seconds, warmupSeconds: options.warmupSeconds };
  const figures = new Map<string, SystemFigures>(contenders.map((c) => [c.label, { spread: [], hot: [] }]));
  const levels = [
    ...options.spread.map((connections) => ({ connections, hot: false })),
    ...options.hot.map((connections) => ({ connections, hot: true })),
  ];
  for (const { connections, hot } of levels) {
    const playing = contenders.filter((c) => !hot || c.hot !== undefined);
    const rounds = new Map<Contender, Round[]>(playing.map((c) => [c, []]));
    for (let round = 1; round <= options.rounds; round += 1) {
      for (const c of playing) {
        const before = c.hot?.wins.size ?? 0;
        const flow = hot && c.hot !== undefined ? c.hot.flow : c.spread;
        const result = await runLoad({ ...load, base: c.server.base, connections, flow });
        rounds.get(c)?.push({ result, bookings: (c.hot?.wins.size ?? 0) - before });
        const what = hot ? `${result.attemptsPerSecond} attempts/s` : `${result.flowsPerSecond} flows/s`;
        console.log(
          `  ${c.label} ${hot ? 'hot' : 'spread'} c=${connections} round ${round}: ${what}, p99 ${result.latencyMs.p99} ms`,
        );
      }
    }
    for (const [c, runs] of rounds) {
      const into = figures.get(c.label);
      if (into === undefined) continue;
      const figure = (r: Round) => (hot ? r.result.attemptsPerSecond : r.result.flowsPerSecond);
      const median = medianOf(runs, figure);
      const measured: Measured = { ...median.result, rounds: runs.map(figure) };
      if (!hot) into.spread.push(measured);
      else {
        const doubleBookings = [...(c.hot?.wins.values() ?? [])].filter((n) => n > 1).length;
        into.hot.push({ ...measured, bookings: median.bookings, doubleBookings });
      }
    }
  }
  return figures;
};

/** The seed's design on a throwaway cluster holding the same slots; its stops go on `cleanup`. */
const startPostgres = async (slots: readonly PlannedSlot[], cleanup: Array<() => unknown>) => {
  if (findPgBin() === undefined) {
    console.error(`\n!!! PostgreSQL baseline SKIPPED. ${INSTALL_HINT}\n`);
    return undefined;
  }
  const cluster = startCluster(await freePort());
  cleanup.push(() => cluster.stop());
  const holdfastPg = await startHoldfastOnPostgres(cluster, cleanup);
  const env = { PG_HOST: cluster.socketDir, PG_PORT: String(cluster.port) };
  const server = await startProcess(join(DIST, 'bench', 'baseline', 'seed-pg-server.js'), env);
  cleanup.push(() => server.stop());
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
  return { server, version: cluster.version, cluster, holdfastPg };
};

/** A URL for the cluster's Unix socket (the seed's design gets the same fast path). */
const socketUrl = (cluster: Cluster): string =>
  `postgres://postgres@localhost:${cluster.port}/postgres?host=${encodeURIComponent(cluster.socketDir)}`;

/**
 * Holdfast on the same PostgreSQL, in a database of its own, its log holding the same
 * history as the SQLite one (copied from the file once its history is written).
 */
const startHoldfastOnPostgres = async (cluster: Cluster, cleanup: Array<() => unknown>) => {
  const db = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: 'postgres', database: 'postgres' });
  await db.connect();
  await db.query('CREATE DATABASE holdfast');
  await db.end();
  const url = socketUrl(cluster).replace('/postgres?', '/holdfast?');
  return {
    url,
    /** Copies `file`'s log into PostgreSQL, then starts the app on it. */
    start: async (file: string, dataDir: string) => {
      const source = createSqliteLog({ path: file, readonly: true });
      const target = createPostgresLog({ connectionString: url });
      await target.ready();
      for (let from = 0; ; ) {
        const page = await source.readAll(from, 5_000);
        const last = page.at(-1);
        if (last === undefined) break;
        const byStream = new Map<string, NewEvent[]>();
        for (const e of page) {
          const events = byStream.get(e.streamId) ?? [];
          events.push({ type: e.type, data: e.data, metadata: e.metadata });
          byStream.set(e.streamId, events);
        }
        await target.appendMany([...byStream].map(([streamId, events]) => ({ streamId, events, expected: 'any' })));
        from = last.position;
      }
      await source.close();
      await target.close();
      const server = await startHoldfast(dataDir, { SNAPSHOTS: '0', DATABASE_URL: url });
      cleanup.push(() => server.stop());
      return server;
    },
  };
};

export const benchHttp = async (options: HttpOptions): Promise<HttpFigures> => {
  const now = Date.now();
  const slots = planSlots(options.slots, now + 86_400_000);
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-http-'));
  const file = join(dir, 'holdfast.db');
  const cleanup: Array<() => unknown> = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    await writeHistory(file, slots, 1, now - 3_600_000);
    const bare = await startProcess(join(DIST, 'bench', 'baseline', 'bare-server.js'), {});
    cleanup.push(() => bare.stop());
    // Snapshots only touch start and stop, but the one a long start-up replay writes would
    // land in the first measured second: leave them out of the request figures.
    const holdfast = await startHoldfast(dir, { SNAPSHOTS: '0' });
    cleanup.push(() => holdfast.stop());
    const postgres = await startPostgres(slots, cleanup);
    const pgDir = mkdtempSync(join(tmpdir(), 'holdfast-bench-http-pg-'));
    cleanup.push(() => rmSync(pgDir, { recursive: true, force: true }));
    const holdfastPg = await postgres?.holdfastPg.start(file, pgDir);

    const figures = await takeTurns(
      [
        contender('bare', bare, slots, false),
        contender('holdfast', holdfast, slots, true),
        ...(holdfastPg !== undefined ? [contender('holdfast-pg', holdfastPg, slots, true)] : []),
        ...(postgres !== undefined ? [contender('postgres', postgres.server, slots, true)] : []),
      ],
      options,
    );
    const of = (label: string): SystemFigures => figures.get(label) ?? { spread: [], hot: [] };

    // The run is only worth reporting if the log Holdfast left is sound.
    await holdfast.stop();
    const log = createSqliteLog({ path: file, readonly: true });
    const events = await readWholeLog(log, 10_000);
    await log.close();
    const report = checkLog(events, Date.now());
    let holdfastPostgres: HttpFigures['holdfastPostgres'] = { skipped: INSTALL_HINT };
    if (holdfastPg !== undefined && postgres !== undefined) {
      await holdfastPg.stop();
      const pgLog = createPostgresLog({ connectionString: postgres.holdfastPg.url, readonly: true });
      const pgEvents = await readWholeLog(pgLog, 10_000);
      await pgLog.close();
      const pgReport = checkLog(pgEvents, Date.now());
      holdfastPostgres = { ...of('holdfast-pg'), logViolations: pgReport.violations.length, events: pgEvents.length };
    }
    return {
      rounds: options.rounds,
      holdfast: { ...of('holdfast'), logViolations: report.violations.length, events: events.length },
      postgres: postgres !== undefined ? { ...of('postgres'), version: postgres.version } : { skipped: INSTALL_HINT },
      holdfastPostgres,
      bare: of('bare'),
    };
  } finally {
    for (const stop of cleanup.reverse()) await stop();
  }
};
