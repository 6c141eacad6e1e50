import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { slotIdFor } from '../../machines/index.js';
import type { Clock } from '../../src/clock.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { IdSource } from '../../src/engine/ids.js';
import { createMemoryLog, createMemoryStore, type MemoryStore } from '../../src/eventlog/memory.js';
import { createSnapshotFile } from '../../src/snapshots/file.js';
import { OWNER } from '../support/engine-harness.js';
import { anna, simulatedClock, tempDir } from '../support/fixtures.js';
import { sequentialIds } from '../support/ids.js';

// (c) Restart at any point: the rebuilt engine has the same slot states, read models and
// hold deadlines as the one that stopped, and from then on behaves exactly like an engine
// that never restarted (same answers, same log, same read models). (d) The same, restarting
// from a read-model snapshot taken at any earlier point (only the tail is replayed).

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

const boot = async (
  store: MemoryStore,
  clock: ReturnType<typeof simulatedClock>,
  ids: IdSource,
  models?: Engine['models'],
) => {
  const engine = createEngine({
    ...(models !== undefined && { models }),
    log: createMemoryLog({ store, clock }),
    clock: clock as Clock,
    holdSeconds: 180,
    maxHoldsPerClient: 2,
    ids,
  });
  await engine.start();
  return engine;
};

/** Every read model in full, indexes and their order included. */
const modelsOf = ({ models }: Engine) => {
  const listed = <K, V>(map: Map<K, V>) => [...map].map(([k, v]) => [k, v instanceof Set ? [...v] : v]);
  return {
    position: models.position,
    slots: listed(models.availability.slots),
    slotsByDay: listed(models.availability.byDay),
    holdsByClient: listed(models.availability.holdsByClient),
    heldInOrder: [...models.availability.heldInOrder],
    bookings: listed(models.bookings.byId),
    bookingsByDay: listed(models.bookings.byDay),
    slotInfo: listed(models.bookings.slotInfo),
    holdOutcomes: listed(models.holdOutcomes),
  };
};

const logOf = (store: MemoryStore) =>
  store.all.map(({ streamId, revision, type, data, recordedAt }) => ({ streamId, revision, type, data, recordedAt }));

/** A fresh log and engine with Anna's three slots open. */
const opened = async () => {
  const clock = simulatedClock();
  const store = createMemoryStore();
  const ids = sequentialIds();
  const engine = await boot(store, clock, ids);
  for (let h = 4; h <= 6; h += 1) await engine.open(anna(h), OWNER);
  return { clock, store, ids, engine };
};

/** One engine that never restarts: what every restarted run must end up matching. */
const reference = async (ops: readonly Op[]) => {
  const run = await opened();
  const answers: string[] = [];
  for (const op of ops) answers.push(await apply(run.engine, run.clock, op));
  return { ...run, answers };
};

type Run = Awaited<ReturnType<typeof opened>>;

/** Runs the rest on the restarted engine: same answers, same log, same models as the reference. */
const expectSameEnding = async (
  subject: Run,
  rest: readonly Op[],
  answers: string[],
  ref: Awaited<ReturnType<typeof reference>>,
) => {
  for (const op of rest) answers.push(await apply(subject.engine, subject.clock, op));
  expect(answers).toEqual(ref.answers);
  expect(logOf(subject.store)).toEqual(logOf(ref.store));
  expect(modelsOf(subject.engine)).toEqual(modelsOf(ref.engine));
  await subject.engine.stop();
  await ref.engine.stop();
};

describe('restart with holds that share a deadline', () => {
  it('expires them in the order they were taken, as a process that never stopped would', async () => {
    // Clients a, b, a reserve in one instant: grouped by client the order would be 4, 6, 5.
    const run = await opened();
    const reserves: Op[] = [
      { kind: 'reserve', client: 'a', slot: SLOTS[0] as string },
      { kind: 'reserve', client: 'b', slot: SLOTS[1] as string },
      { kind: 'reserve', client: 'a', slot: SLOTS[2] as string },
    ];
    for (const op of reserves) expect(await apply(run.engine, run.clock, op)).toBe('ok');
    await run.engine.stop();
    run.engine = await boot(run.store, run.clock, run.ids);
    expect([...run.engine.models.availability.heldInOrder]).toEqual(SLOTS);
    await apply(run.engine, run.clock, { kind: 'advance', ms: 181_000 });
    const expired = run.store.all.filter((e) => e.type === 'ReservationExpired').map((e) => e.streamId);
    expect(expired).toEqual(SLOTS.map((id) => `timeslot-${id}`));
    await run.engine.stop();
  });
});

describe('restart at any point (property c)', () => {
  it('reproduces states, read models and deadlines, then behaves as if it never stopped', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.nat(), async (ops, cutSeed) => {
        const cut = cutSeed % (ops.length + 1);
        const ref = await reference(ops);

        // Subject: same commands, stopped after `cut` of them and rebuilt from the log.
        const subject = await opened();
        const answers: string[] = [];
        for (const op of ops.slice(0, cut)) answers.push(await apply(subject.engine, subject.clock, op));
        const before = modelsOf(subject.engine);
        const deadlines = [...subject.engine.models.availability.slots].map(([id, s]) => [id, s.hold?.expiresAt]);
        await subject.engine.stop();
        subject.engine = await boot(subject.store, subject.clock, subject.ids);
        expect(modelsOf(subject.engine)).toEqual(before);
        expect([...subject.engine.models.availability.slots].map(([id, s]) => [id, s.hold?.expiresAt])).toEqual(
          deadlines,
        );
        await expectSameEnding(subject, ops.slice(cut), answers, ref);
      }),
      { numRuns: 300 },
    );
  });
});

describe('restart from a read-model snapshot at any point (property d)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const snapshots = createSnapshotFile({ path: join(dir.path, 'readmodels.snapshot.json') });

  it('gives the models of a full replay, then behaves as if it never stopped', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.nat(),
        async (ops, cutSeed, snapSeed) => {
          const cut = cutSeed % (ops.length + 1);
          const snapAt = snapSeed % (cut + 1); // the snapshot may lag the log (a crash after it)
          const ref = await reference(ops);

          const subject = await opened();
          const log = createMemoryLog({ store: subject.store, clock: subject.clock });
          const answers: string[] = [];
          const run = async (part: readonly Op[]) => {
            for (const op of part) answers.push(await apply(subject.engine, subject.clock, op));
          };
          await run(ops.slice(0, snapAt));
          expect(await snapshots.save(subject.engine.models, log)).toBe(true);
          await run(ops.slice(snapAt, cut));
          await subject.engine.stop();

          const replayed = await boot(subject.store, subject.clock, subject.ids);
          const models = await snapshots.load(log);
          expect(models?.position).toBeLessThanOrEqual(replayed.models.position);
          subject.engine = await boot(subject.store, subject.clock, subject.ids, models);
          expect(modelsOf(subject.engine)).toEqual(modelsOf(replayed));
          await replayed.stop();
          await expectSameEnding(subject, ops.slice(cut), answers, ref);
        },
      ),
      { numRuns: 200 },
    );
  });
});
