import type { EngineFigures } from './engine.bench.js';
import type { FanoutFigures } from './fanout.bench.js';
import type { HoardFigures } from './hoard.bench.js';
import type { HttpFigures, SystemFigures } from './http.bench.js';
import type { LoadResult } from './lib/load.js';
import { ratio } from './lib/stats.js';
import type { MemoryFigures } from './memory.bench.js';
import type { RebuildFigures } from './rebuild.bench.js';

// The table `npm run bench` prints (Markdown, so the README can carry it as is), with each
// of the issue's targets marked met or not. Targets are read here, never asserted in tests.

export type Results = {
  at: string;
  quick: boolean;
  machine: { cpu: string; cores: number; memoryGB: number; node: string; kernel: string };
  engine?: EngineFigures;
  http?: HttpFigures;
  rebuild?: RebuildFigures;
  memory?: MemoryFigures;
  fanout?: FanoutFigures;
  hoard?: HoardFigures;
};

type Target = { what: string; goal: string; got: string; met: boolean };

const flow = (r: LoadResult | undefined) =>
  r === undefined ? '—' : `${r.flowsPerSecond} (${r.latencyMs.p50} / ${r.latencyMs.p99})`;
const attempts = (r: LoadResult | undefined) =>
  r === undefined ? '—' : `${r.attemptsPerSecond} (${r.latencyMs.p50} / ${r.latencyMs.p99})`;
const pgOf = (http: HttpFigures): SystemFigures | undefined => ('skipped' in http.postgres ? undefined : http.postgres);
/** Holdfast on PostgreSQL; absent in results written before it was measured. */
const oursOnPgOf = (http: HttpFigures): SystemFigures | undefined =>
  http.holdfastPostgres === undefined || 'skipped' in http.holdfastPostgres ? undefined : http.holdfastPostgres;

const roundsLine = (http: HttpFigures): string => {
  const systems: Array<[string, SystemFigures | undefined]> = [
    ['Holdfast', http.holdfast],
    ['Holdfast on PostgreSQL', oursOnPgOf(http)],
    ['PostgreSQL', pgOf(http)],
    ['bare', http.bare],
  ];
  return systems
    .flatMap(([name, figures]) =>
      figures === undefined
        ? []
        : [
            `${name} ${[
              ...figures.spread.map((r) => `c=${r.connections} ${r.rounds.join('/')}`),
              ...figures.hot.map((r) => `hot c=${r.connections} ${r.rounds.join('/')}`),
            ].join(', ')}`,
          ],
    )
    .join('; ');
};

export const targetsOf = (results: Results): Target[] => {
  const targets: Target[] = [];
  const { http, rebuild, memory, fanout } = results;
  if (http !== undefined) {
    const pg = pgOf(http);
    http.holdfast.spread.forEach((ours, i) => {
      const bare = http.bare.spread[i];
      if (bare !== undefined) {
        const share = ratio(ours.flowsPerSecond, bare.flowsPerSecond);
        targets.push({
          what: `reserve+book vs bare Fastify, ${ours.connections} conn.`,
          goal: '≥ 0.5×',
          got: `${share}×`,
          met: share >= 0.5,
        });
      }
      const theirs = pg?.spread[i];
      if (theirs !== undefined) {
        const times = ratio(ours.flowsPerSecond, theirs.flowsPerSecond);
        targets.push({
          what: `spread vs PostgreSQL design, ${ours.connections} conn.`,
          goal: '≥ 3×, p99 ≤ theirs',
          got: `${times}×, p99 ${ours.latencyMs.p99} vs ${theirs.latencyMs.p99} ms`,
          met: times >= 3 && ours.latencyMs.p99 <= theirs.latencyMs.p99,
        });
      }
    });
    http.holdfast.hot.forEach((ours, i) => {
      const theirs = pg?.hot[i];
      if (theirs === undefined) return;
      const times = ratio(ours.attemptsPerSecond, theirs.attemptsPerSecond);
      targets.push({
        what: `hot slot vs PostgreSQL design, ${ours.connections} conn.`,
        goal: '≥ 10×, p99 ≤ theirs',
        got: `${times}×, p99 ${ours.latencyMs.p99} vs ${theirs.latencyMs.p99} ms`,
        met: times >= 10 && ours.latencyMs.p99 <= theirs.latencyMs.p99,
      });
    });
  }
  if (rebuild !== undefined) {
    // Two rows, so neither hides the other: the fold itself, and the restart a salon sees.
    const events = rebuild.events.toLocaleString('en');
    targets.push({
      what: `rebuild, ${events} events, full replay (no snapshot)`,
      goal: '≥ 200,000 events/s',
      got: `${rebuild.replay.eventsPerSecond.toLocaleString('en')} events/s`,
      met: rebuild.replay.eventsPerSecond >= 200_000,
    });
    targets.push({
      what: `rebuild, ${events} events, restart from the read-model snapshot`,
      goal: '≥ 200,000 events/s',
      got: `${rebuild.snapshot.eventsPerSecond.toLocaleString('en')} events/s`,
      met: rebuild.snapshot.eventsPerSecond >= 200_000,
    });
  }
  if (memory !== undefined) {
    targets.push({
      what: `memory per idle slot (${memory.slots.toLocaleString('en')} slots)`,
      goal: '≤ 1 KB',
      got: `${memory.bytesPerIdleSlot.rss} B RSS`,
      met: memory.bytesPerIdleSlot.rss <= 1_024,
    });
  }
  for (const run of fanout ?? []) {
    if (run.clients < 5_000) continue;
    targets.push({
      what: `fan-out to ${run.clients.toLocaleString('en')} clients`,
      goal: '< 250 ms',
      got: `${run.lastClientMs.p50} ms p50, ${run.lastClientMs.max} ms max`,
      met: run.lastClientMs.max < 250,
    });
  }
  return targets;
};

export const reportLines = (results: Results): string[] => {
  const { machine, engine, http, rebuild, memory, fanout, hoard } = results;
  const lines = [
    `Holdfast benchmarks, ${results.at.slice(0, 16).replace('T', ' ')} UTC${results.quick ? ' (QUICK: small sizes, not figures to quote)' : ''}`,
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, Node ${machine.node}, Linux ${machine.kernel}`,
    '',
  ];
  if (engine !== undefined) {
    lines.push(
      `**Engine only** (${engine.commands.toLocaleString('en')} commands, ${engine.concurrency} concurrent, reserve then book):`,
      '',
      '| log | commands/s |',
      '|---|---|',
      `| SQLite (durable, group commit) | ${engine.sqlite.commandsPerSecond} |`,
      `| memory | ${engine.memory.commandsPerSecond} |`,
      ...(engine.appointments === undefined
        ? []
        : [
            `| SQLite, appointments of ${engine.appointments.slotsPerAppointment} slots (hold the run, book it: one write across ${engine.appointments.slotsPerAppointment} streams each) | ${engine.appointments.sqlite.commandsPerSecond} (${engine.appointments.sqlite.slotsPerSecond} slot changes/s) |`,
          ]),
      `| ceiling: raw better-sqlite3 inserts, batches of ${engine.rawSqliteInserts.batch} | ${engine.rawSqliteInserts.rowsPerSecond} rows/s (engine on SQLite = ${ratio(engine.sqlite.commandsPerSecond, engine.rawSqliteInserts.rowsPerSecond)}×) |`,
      '',
    );
  }
  if (http !== undefined) {
    const pg = pgOf(http);
    const oursPg = oursOnPgOf(http);
    const oursPgLog =
      http.holdfastPostgres !== undefined && !('skipped' in http.holdfastPostgres) ? http.holdfastPostgres : undefined;
    lines.push(
      `**HTTP, complete flows** (new session → reserve → book), flows/s (p50 / p99 ms); the servers take turns, ` +
        `each figure is the median of ${http.rounds} round${http.rounds === 1 ? '' : 's'}:`,
      '',
      '| connections | Holdfast (SQLite) | Holdfast on PostgreSQL | seed design on the same PostgreSQL | bare Fastify (ceiling) |',
      '|---|---|---|---|---|',
      ...http.holdfast.spread.map(
        (ours, i) =>
          `| ${ours.connections} | ${flow(ours)} | ${flow(oursPg?.spread[i])} | ${flow(pg?.spread[i])} | ${flow(http.bare.spread[i])} |`,
      ),
      '',
      '**Hot slot** (every client on one slot; the winner books, then all move to the next), attempts/s (p50 / p99 ms):',
      '',
      '| connections | Holdfast (SQLite) | Holdfast on PostgreSQL | seed design on PostgreSQL | bookings (ours / ours on PG / seed) | double bookings |',
      '|---|---|---|---|---|---|',
      ...http.holdfast.hot.map((ours, i) => {
        const theirs = pg?.hot[i];
        const onPg = oursPg?.hot[i];
        return `| ${ours.connections} | ${attempts(ours)} | ${attempts(onPg)} | ${attempts(theirs)} | ${ours.bookings} / ${onPg?.bookings ?? '—'} / ${theirs?.bookings ?? '—'} | ${ours.doubleBookings} / ${onPg?.doubleBookings ?? '—'} / ${theirs?.doubleBookings ?? '—'} |`;
      }),
      '',
      `Every round, in the order run (flows/s; attempts/s for hot): ${roundsLine(http)}.`,
      '',
      `Holdfast's log after the HTTP runs: ${http.holdfast.events.toLocaleString('en')} events, ${http.holdfast.logViolations} invariant violations.` +
        ('skipped' in http.postgres
          ? ` PostgreSQL: SKIPPED (${http.postgres.skipped.split('\n')[0]})`
          : ` ${http.postgres.version}.`) +
        (oursPgLog !== undefined
          ? ` Holdfast's PostgreSQL log: ${oursPgLog.events.toLocaleString('en')} events, ${oursPgLog.logViolations} invariant violations.`
          : ''),
      '',
    );
  }
  if (rebuild !== undefined) {
    lines.push(
      `**Rebuild** (${rebuild.slots.toLocaleString('en')} slots, ${rebuild.events.toLocaleString('en')} events, ${rebuild.fileMB} MB): ` +
        `raw read ${rebuild.rawReadEventsPerSecond.toLocaleString('en')} events/s; replay into the read models ` +
        `${rebuild.replay.ms} ms = ${rebuild.replay.eventsPerSecond.toLocaleString('en')} events/s (${rebuild.replay.ofRawRead}× the raw read); ` +
        `from the ${rebuild.snapshot.fileMB} MB read-model snapshot ${rebuild.snapshot.ms} ms = ` +
        `${rebuild.snapshot.eventsPerSecond.toLocaleString('en')} events/s; app process spawn → ready ` +
        `${rebuild.processReadyMs} ms with no snapshot, ${rebuild.snapshot.processReadyMs} ms from the snapshot.`,
      '',
    );
  }
  if (memory !== undefined) {
    lines.push(
      `**Memory**: ${memory.slots.toLocaleString('en')} idle slots: RSS ${memory.rssMB.empty} → ${memory.rssMB.idleSlots} MB = ` +
        `${memory.bytesPerIdleSlot.rss} B/slot (heap ${memory.bytesPerIdleSlot.heap} B/slot), no actors kept; ` +
        `${memory.holds.toLocaleString('en')} live holds: → ${memory.rssMB.withHolds} MB = ${memory.bytesPerLiveHold.rss} B/hold ` +
        `(heap ${memory.bytesPerLiveHold.heap} B/hold, ${memory.actorsAfterHolds} actors).`,
      '',
    );
  }
  if (fanout !== undefined) {
    lines.push(
      '**WebSocket fan-out** (reserve sent → change received), ms:',
      '',
      '| clients | last client p50 | last client max | first client p50 |',
      '|---|---|---|---|',
      ...fanout.map((r) => `| ${r.clients} | ${r.lastClientMs.p50} | ${r.lastClientMs.max} | ${r.firstClientMs} |`),
      '',
    );
  }
  if (hoard !== undefined) {
    lines.push(
      `**Hoarding a whole day** (${hoard.slots} slots; 2 holds per session, 10 per network, 5 sessions per ` +
        `address; holds of ${hoard.holdSeconds} s standing in for 180 s), share of the day the bot kept held:`,
      '',
      '| bot | addresses | day held |',
      '|---|---|---|',
      ...hoard.runs.map((run) => `| ${run.label} | ${run.addresses} | ${Math.round(run.heldShare * 100)}% |`),
      '',
      `Proof of work, one Node core solving the server's challenges: ${hoard.powCpuMs.threshold} ms CPU per hold at ` +
        `the threshold, ${hoard.powCpuMs.wholeDayHeld} ms with the rest of the stylist's day held. Keeping the day ` +
        `held for an hour takes ${hoard.perHour.holds} holds: ${hoard.perHour.cpuMinutes} CPU-minutes of proof of work.`,
      '',
    );
  }
  const targets = targetsOf(results);
  if (targets.length > 0) {
    lines.push(
      '**Targets** (issue 7):',
      '',
      '| target | goal | got | met |',
      '|---|---|---|---|',
      ...targets.map((t) => `| ${t.what} | ${t.goal} | ${t.got} | ${t.met ? 'yes' : '**no**'} |`),
    );
  }
  return lines;
};

export const printReport = (results: Results): void => {
  console.log(`\n${reportLines(results).join('\n')}`);
};
