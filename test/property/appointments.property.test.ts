import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slotIdFor } from '../../machines/index.js';
import { checkLog, describeViolations } from '../../projections/index.js';
import type { Clock } from '../../src/clock.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { createMemoryLog, createMemoryStore } from '../../src/eventlog/memory.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { OWNER } from '../support/engine-harness.js';
import { HOUR, MINUTE, simulatedClock, T0 } from '../support/fixtures.js';
import { sequentialIds } from '../support/ids.js';
import { scheduled, settle } from '../support/scheduled-log.js';

// fc.scheduler decides the order in which every log call of two engine "processes" on one
// log completes, and when the clock moves, while clients ask for *overlapping* appointments
// (runs of 1–3 of six 15-minute slots) and book, release, close, cancel and move them from
// any of their slots. Whatever the order: no slot is ever in two appointments, no hold or booking
// ever covers part of its slots at any commit, and every acknowledged appointment is in the
// log whole.

const SEED = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const QUARTERS = [0, 1, 2, 3, 4, 5].map((n) => ({
  stylist: 'Anna',
  startsAt: T0 + 4 * HOUR + n * 15 * MINUTE,
  endsAt: T0 + 4 * HOUR + (n + 1) * 15 * MINUTE,
}));
const IDS = QUARTERS.map((q) => slotIdFor(q.stylist, q.startsAt));
const customer = { name: 'Ada', phone: '0161 496 0000' };

const twoProcesses = async (s: fc.Scheduler) => {
  const clock = simulatedClock();
  const store = createMemoryStore();
  const log = createMemoryLog({ store, clock });
  const engines: Engine[] = [];
  for (let i = 0; i < 2; i += 1) {
    const engine = createEngine({
      log: scheduled(createMemoryLog({ store, clock }), s),
      clock: clock as Clock,
      holdSeconds: 60,
      holdCooldownSeconds: 0,
      maxHoldsPerClient: 3,
      ids: sequentialIds(`p${i}`),
      mailboxCapacity: 1_000,
    });
    const started = engine.start();
    await s.waitAll();
    await started;
    engines.push(engine);
  }
  const opening = (engines[0] as Engine).openMany(QUARTERS, OWNER);
  await settle(s, engines);
  await opening;
  return { clock, engines, log };
};

const op = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      engine: fc.integer({ min: 0, max: 1 }),
      client: fc.constantFrom('a', 'b', 'c'),
      start: fc.integer({ min: 0, max: 5 }),
      length: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('book' as const, 'book' as const, 'cancelHold' as const),
      engine: fc.integer({ min: 0, max: 1 }),
      client: fc.constantFrom('a', 'b', 'c'),
      slot: fc.integer({ min: 0, max: 5 }),
    }),
  },
  fc.record({
    kind: fc.constantFrom('close' as const, 'reopen' as const, 'cancelBooking' as const),
    engine: fc.integer({ min: 0, max: 1 }),
    slot: fc.integer({ min: 0, max: 5 }),
  }),
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      engine: fc.integer({ min: 0, max: 1 }),
      client: fc.constantFrom('a', 'b', 'c'),
      to: fc.integer({ min: 0, max: 5 }),
    }),
  },
  fc.record({ kind: fc.constant('advance' as const) }),
);

const tally = { moves: 0, bookings: 0 };

/** A slot the client holds (as this engine's read model shows), else the one the op names. */
const ownOr = (engine: Engine, client: string, slot: number): string =>
  IDS.find((id) => engine.models.availability.slots.get(id)?.hold?.clientId === client) ?? IDS[slot] ?? '';

describe('overlapping appointments under every interleaving (property b, appointments)', () => {
  it('never puts a slot in two appointments, never writes part of one, loses no acknowledged one', async () => {
    console.log(`appointments interleaving property: seed ${SEED} (SEED=… replays it)`);
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(op, { minLength: 2, maxLength: 12 }), async (s, ops) => {
        const { engines, log, clock } = await twoProcesses(s);
        const acknowledged: Array<{ type: string; key: 'holdId' | 'bookingId'; id: string; slotIds: string[] }> = [];
        // Each client, the owner and the clock act in order, one step after the other (as a
        // person does); the lanes run at once, and the scheduler interleaves their log calls.
        const laneOf = (o: (typeof ops)[number]) =>
          'client' in o ? o.client : o.kind === 'advance' ? 'clock' : 'owner';
        const lanes = new Map<string, Array<(typeof ops)[number]>>();
        for (const o of ops) lanes.set(laneOf(o), [...(lanes.get(laneOf(o)) ?? []), o]);
        const step = async (o: (typeof ops)[number]) => {
          if (o.kind === 'advance') {
            await s.schedule(Promise.resolve(), 'clock');
            clock.increment(61_000);
            return;
          }
          const engine = engines[o.engine] as Engine;
          try {
            if (o.kind === 'reserve') {
              const slotIds = IDS.slice(o.start, o.start + o.length);
              const service = { id: `s${o.length}`, name: `${o.length} quarters`, durationMinutes: 15 * o.length };
              const res = await engine.reserve(IDS[o.start] ?? '', o.client, {}, { slotIds, service });
              const hold = res.slot.hold;
              expect(hold?.appointment?.slotIds).toEqual(slotIds);
              if (res.events.length > 0)
                acknowledged.push({ type: 'TimeslotReserved', key: 'holdId', id: hold?.holdId ?? '', slotIds });
            } else if (o.kind === 'book') {
              const res = await engine.book(ownOr(engine, o.client, o.slot), o.client, customer);
              const booking = res.slot.booking;
              if (res.events.length > 0) {
                tally.bookings += 1;
                const slotIds = booking?.appointment?.slotIds ?? [IDS[o.slot] ?? ''];
                acknowledged.push({ type: 'TimeslotBooked', key: 'bookingId', id: booking?.bookingId ?? '', slotIds });
              }
            } else if (o.kind === 'cancelHold') await engine.cancelHold(ownOr(engine, o.client, o.slot), o.client);
            else if (o.kind === 'close') await engine.close(IDS[o.slot] ?? '', undefined, OWNER);
            else if (o.kind === 'reopen') await engine.reopen(IDS[o.slot] ?? '', OWNER);
            else if (o.kind === 'move') {
              // The client's own booking, as this engine's read model shows it.
              const booking = IDS.map((id) => engine.models.availability.slots.get(id)?.booking).find(
                (b) => b?.clientId === o.client,
              );
              const to = IDS.slice(o.to, o.to + (booking?.appointment?.slotIds.length ?? 1));
              const res = await engine.reschedule(
                booking?.bookingId ?? 'none',
                to,
                { by: 'client' },
                {
                  actor: { kind: 'client', id: o.client },
                },
              );
              if (res.events.length > 0) {
                tally.moves += 1;
                acknowledged.push({
                  type: 'BookingMovedIn',
                  key: 'bookingId',
                  id: booking?.bookingId ?? '',
                  slotIds: to,
                });
              }
            } else await engine.cancelBooking(IDS[o.slot] ?? '', { by: 'owner' }, OWNER);
          } catch (e) {
            expect(typeof (e as { code?: string }).code, String(e)).toBe('string'); // a typed refusal, never a crash
          }
        };
        const runs = [...lanes.values()].map(async (lane) => {
          for (const o of lane) await step(o);
        });
        await settle(s, engines);
        await Promise.all(runs);
        await settle(s, engines);
        for (let tick = 0; tick < 3; tick += 1) {
          clock.increment(1_000);
          await settle(s, engines);
        }
        const all = await readWholeLog(log);
        expect(describeViolations(checkLog(all, clock.now()).violations), JSON.stringify(ops)).toEqual([]);
        for (const a of acknowledged) {
          const sameRun = (data: { appointment?: { slotIds: string[] } }) =>
            a.type !== 'BookingMovedIn' || data.appointment?.slotIds.join() === a.slotIds.join();
          const on = all
            .filter(
              (e) =>
                e.type === a.type &&
                (e.data as Record<string, string>)[a.key] === a.id &&
                sameRun(e.data as { appointment?: { slotIds: string[] } }),
            )
            .map((e) => e.streamId.slice('timeslot-'.length));
          // A booking may be moved to the same run twice (there and back): each slot counts once.
          expect([...new Set(on)].sort()).toEqual([...a.slotIds].sort());
        }
        for (const e of engines) await e.stop();
      }),
      { numRuns: 1_000, seed: SEED },
    );
    console.log(`appointments interleaving property: ${tally.bookings} bookings, ${tally.moves} moves acknowledged`);
    expect(tally.moves).toBeGreaterThan(5); // the moves really ran
  });
});
