import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchEngine } from './engine.bench.js';
import { benchFanout } from './fanout.bench.js';
import { benchHoard } from './hoard.bench.js';
import { benchHttp } from './http.bench.js';
import { benchMemory } from './memory.bench.js';
import { benchRebuild } from './rebuild.bench.js';
import { printReport, type Results } from './report.js';

// `npm run bench`: every benchmark in one run on this machine, one after another (never two
// at once: they would steal each other's cores). Prints the table and writes
// bench/results/latest.json. `--quick` runs small sizes (a smoke run, not figures to quote);
// `--only=engine,http,rebuild,memory,fanout,hoard` picks sections. Only a full run writes
// latest.json: a partial or quick one goes to partial.json / quick.json (both git-ignored),
// so a look at one section never replaces the committed figures of the others.

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (section: string) => only === undefined || only.includes(section);

const cpu = cpus();
const results: Results = {
  at: new Date().toISOString(),
  quick,
  machine: {
    cpu: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGB: Math.round(totalmem() / 1_073_741_824),
    node: process.version,
    kernel: release(),
  },
};

if (wanted('engine')) {
  console.log('engine: commands through the actors…');
  results.engine = await benchEngine({ slots: quick ? 2_000 : 20_000, concurrency: 256 });
}
if (wanted('http')) {
  console.log('http: reserve → book flows against Holdfast, the seed design on PostgreSQL, bare Fastify…');
  results.http = await benchHttp({
    seconds: quick ? 1 : 5,
    warmupSeconds: quick ? 0.5 : 1,
    spread: [1, 64, 256],
    hot: [64, 256],
    slots: quick ? 40_000 : 120_000,
    rounds: quick ? 1 : 3,
  });
}
if (wanted('rebuild')) {
  console.log('rebuild: replaying the log…');
  results.rebuild = await benchRebuild({ slots: quick ? 10_000 : 100_000, eventsPerSlot: 10 });
}
if (wanted('memory')) {
  console.log('memory: idle slots and live holds…');
  results.memory = await benchMemory({ slots: quick ? 10_000 : 100_000, holds: quick ? 1_000 : 10_000 });
}
if (wanted('fanout')) {
  console.log('fanout: WebSocket clients…');
  results.fanout = await benchFanout({ clients: quick ? [100, 500] : [1_000, 5_000], rounds: quick ? 3 : 10 });
}

if (wanted('hoard')) {
  console.log('hoard: a bot keeping a whole day held, before and after the cool-down and proof of work…');
  results.hoard = await benchHoard({ holdSeconds: quick ? 2 : 4, periods: quick ? 2 : 6, solves: quick ? 1 : 6 });
}

printReport(results);

// Figures are for reading, never pass/fail; but a benchmark that double-booked a slot or
// left a log the verifier rejects has found a bug, and says so with its exit code (CI runs
// `--quick` for this, and to keep the scripts working).
const bugs: string[] = [];
if (results.http !== undefined) {
  const { holdfast, postgres, holdfastPostgres } = results.http;
  if (holdfast.logViolations > 0) bugs.push(`Holdfast's log has ${holdfast.logViolations} invariant violations`);
  if ('logViolations' in holdfastPostgres && holdfastPostgres.logViolations > 0) {
    bugs.push(`Holdfast's PostgreSQL log has ${holdfastPostgres.logViolations} invariant violations`);
  }
  for (const [label, hot] of [
    ['Holdfast', holdfast.hot],
    ['Holdfast on PostgreSQL', 'hot' in holdfastPostgres ? holdfastPostgres.hot : []],
    ['PostgreSQL', 'hot' in postgres ? postgres.hot : []],
  ] as const) {
    for (const level of hot) {
      if (level.doubleBookings > 0) {
        bugs.push(`${label} double-booked ${level.doubleBookings} slots at ${level.connections} connections`);
      }
    }
  }
}
for (const bug of bugs) console.error(`\n!!! ${bug}`);
if (bugs.length > 0) process.exitCode = 1;
const dir = join(import.meta.dirname, '..', '..', 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, quick ? 'quick.json' : only !== undefined ? 'partial.json' : 'latest.json');
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${file}`);
