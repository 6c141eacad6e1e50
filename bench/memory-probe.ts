import { systemClock } from '../src/clock.js';
import { createEngine } from '../src/engine/engine.js';
import { createSqliteLog } from '../src/eventlog/sqlite.js';

// Run by memory.bench.ts in a fresh process with --expose-gc, so nothing else is on the
// heap: RSS with the code loaded, after replaying `file`'s idle slots, and after `holds`
// live holds (each keeps its actor and its deadline timer). Prints one JSON line.

const [file, holdsArg] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
if (file === undefined || gc === undefined) throw new Error('usage: node --expose-gc memory-probe.js <file> <holds>');

const settle = async () => {
  for (let i = 0; i < 3; i += 1) {
    gc();
    await new Promise((done) => setTimeout(done, 50));
  }
  return process.memoryUsage();
};

const empty = await settle();
const log = createSqliteLog({ path: file });
const engine = createEngine({ log, clock: systemClock, holdSeconds: 3_600, maxHoldsPerClient: 100 });
await engine.start();
const idle = await settle();
const slotIds = [...engine.models.availability.slots.keys()];
const holds = Math.min(Number(holdsArg ?? 0), slotIds.length);
for (let i = 0; i < holds; i += 256) {
  await Promise.all(
    slotIds.slice(i, Math.min(holds, i + 256)).map((slotId, k) => engine.reserve(slotId, `probe-${i + k}`)),
  );
}
const held = await settle();
process.stdout.write(
  `${JSON.stringify({
    slots: slotIds.length,
    holds,
    actors: engine.activeActors,
    rss: { empty: empty.rss, idle: idle.rss, held: held.rss },
    heap: { empty: empty.heapUsed, idle: idle.heapUsed, held: held.heapUsed },
  })}\n`,
);
await engine.stop();
await log.close();
