import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slotIdFor } from '../../machines/index.js';
import type { Clock } from '../../src/clock.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { IdSource } from '../../src/engine/ids.js';
import { createMemoryLog, createMemoryStore, type MemoryStore } from '../../src/eventlog/memory.js';
import { OWNER } from '../support/engine-harness.js';
import { anna, simulatedClock } from '../support/fixtures.js';
import { sequentialIds } from '../support/ids.js';

// (c) Restart at any point: the rebuilt engine has the same slot states, read models and
// hold deadlines as the one that stopped, and from then on behaves exactly like an engine
// that never restarted (same answers, same log, same read models).

const SLOTS = [4, 5, 6].map((h) => slotIdFor('Anna', anna(h).startsAt));
const customer = { name: 'Ada', email: 'ada@example.com' };

type Op =
  | { kind: 'reserve' | 'book' | 'cancelHold'; client: string; slot: string }
  | { kind: 'close' | 'reopen' | 'cancelBooking'; slot: string }
  | { kind: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('reserve', 'book', 'cancelHold'),
    client: fc.constantFrom('a', 'b', 'c'),
    slot: fc.constantFrom(...SLOTS),
  }),
  fc.record({ kind: fc.constantFrom('close', 'reopen', 'cancelBooking'), slot: fc.constantFrom(...SLOTS) }),
  fc.record({ kind: fc.constant('advance'), ms: fc.integer({ min: 1_000, max: 150_000 }) }),
) as fc.Arbitrary<Op>;

const apply = async (engine: Engine, clock: ReturnType<typeof simulatedClock>, op: Op): Promise<string> => {
  const run = (): Promise<unknown> => {
    switch (op.kind) {
      case 'reserve':
        return engine.reserve(op.slot, op.client);
      case 'book':
        return engine.book(op.slot, op.client, customer);
      case 'cancelHold':
        return engine.cancelHold(op.slot, op.client);
      case 'close':
        return engine.close(op.slot, undefined, OWNER);
      case 'reopen':
        return engine.reopen(op.slot, OWNER);
      case 'cancelBooking':
        return engine.cancelBooking(op.slot, { by: 'owner' }, OWNER);
      case 'advance':
        clock.increment(op.ms);
        return engine.whenIdle();
    }
  };
  return run().then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'crash',
  );
};

const boot = async (store: MemoryStore, clock: ReturnType<typeof simulatedClock>, ids: IdSource) => {
  const engine = createEngine({
    log: createMemoryLog({ store, clock }),
    clock: clock as Clock,
    holdSeconds: 180,
    maxHoldsPerClient: 2,
    ids,
  });
  await engine.start();
  return engine;
};

const snapshot = (engine: Engine) => ({
  slots: [...engine.models.availability.slots.entries()],
  bookings: [...engine.models.bookings.byId.entries()],
  position: engine.models.position,
});

const logOf = (store: MemoryStore) =>
  store.all.map(({ streamId, revision, type, data, recordedAt }) => ({ streamId, revision, type, data, recordedAt }));

describe('restart at any point (property c)', () => {
  it('reproduces states, read models and deadlines, then behaves as if it never stopped', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.nat(), async (ops, cutSeed) => {
        const cut = cutSeed % (ops.length + 1);

        // Reference: one engine, no restart.
        const refClock = simulatedClock();
        const refStore = createMemoryStore();
        const ref = await boot(refStore, refClock, sequentialIds());
        for (let h = 4; h <= 6; h += 1) await ref.open(anna(h), OWNER);
        const refAnswers: string[] = [];
        for (const op of ops) refAnswers.push(await apply(ref, refClock, op));

        // Subject: same commands, stopped after `cut` of them and rebuilt from the log.
        const clock = simulatedClock();
        const store = createMemoryStore();
        const ids = sequentialIds();
        let engine = await boot(store, clock, ids);
        for (let h = 4; h <= 6; h += 1) await engine.open(anna(h), OWNER);
        const answers: string[] = [];
        for (const op of ops.slice(0, cut)) answers.push(await apply(engine, clock, op));
        const before = snapshot(engine);
        const deadlines = before.slots.map(([id, s]) => [id, s.hold?.expiresAt]);
        await engine.stop();
        engine = await boot(store, clock, ids);
        expect(snapshot(engine)).toEqual(before);
        expect(snapshot(engine).slots.map(([id, s]) => [id, s.hold?.expiresAt])).toEqual(deadlines);
        for (const op of ops.slice(cut)) answers.push(await apply(engine, clock, op));

        expect(answers).toEqual(refAnswers);
        expect(logOf(store)).toEqual(logOf(refStore));
        expect(snapshot(engine)).toEqual(snapshot(ref));
        await engine.stop();
        await ref.stop();
      }),
      { numRuns: 300 },
    );
  });
});
