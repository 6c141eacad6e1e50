import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  type Decisions,
  decideForAppointment,
  decideReschedule,
  decideReserveRun,
  type SlotCommand,
  type SlotState,
  slotIdFor,
  stateOf,
  type TimeslotEvent,
  timeslotMachineFor,
} from '../../machines/index.js';
import { evolveSlot, type SlotSummary } from '../../projections/index.js';
import { HOUR, MINUTE, simulatedClock, T0 } from '../support/fixtures.js';

// How a slot changes is written twice: the XState machine (the write model) and evolveSlot
// (the read model's fold). Whatever the facts decide writes, over appointments of several
// slots, moves and cool-downs, the two must agree on every slot after every decision.

const SEED = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const HOLD_MS = 60_000;
const Q = 15 * MINUTE;
const START = T0 + 4 * HOUR;
const IDS = [0, 1, 2, 3, 4].map((n) => slotIdFor('Anna', START + n * Q));
const customer = { name: 'Ada', phone: '0161 496 0000' };

const op = fc.oneof(
  fc.record({
    kind: fc.constant('reserve' as const),
    client: fc.constantFrom('a', 'b'),
    start: fc.nat(4),
    length: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constantFrom('book' as const, 'cancelHold' as const),
    client: fc.constantFrom('a', 'b'),
    slot: fc.nat(4),
  }),
  fc.record({
    kind: fc.constantFrom('close' as const, 'reopen' as const, 'cancelBooking' as const, 'expire' as const),
    slot: fc.nat(4),
    by: fc.constantFrom('client' as const, 'owner' as const),
  }),
  fc.record({ kind: fc.constant('move' as const), slot: fc.nat(4), to: fc.nat(4) }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1_000, max: 2 * HOLD_MS }) }),
);

/** The part both models keep, compared field by field. */
const common = (s: {
  status: string;
  hold: SlotSummary['hold'];
  booking: SlotState['booking'] | SlotSummary['booking'];
}) => ({
  status: s.status,
  hold: s.hold && {
    holdId: s.hold.holdId,
    clientId: s.hold.clientId,
    expiresAt: s.hold.expiresAt,
    appointment: s.hold.appointment,
  },
  booking: s.booking && {
    bookingId: s.booking.bookingId,
    clientId: s.booking.clientId,
    appointment: s.booking.appointment,
    network: s.booking.network,
  },
});

describe('the slot machine and the read-model fold (property)', () => {
  it('agree on every slot after every decision, appointments and moves included', () => {
    console.log(`machine/fold agreement property: seed ${SEED} (SEED=… replays it)`);
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
        const clock = simulatedClock();
        const machine = timeslotMachineFor(clock);
        const actors = IDS.map(() => createActor(machine, { clock }));
        for (const a of actors) a.start();
        const folds: Array<SlotSummary | undefined> = IDS.map(() => undefined);
        const revisions = IDS.map(() => -1);
        const apply = (decisions: Decisions) => {
          for (const [id, events] of decisions) {
            const i = IDS.indexOf(id);
            for (const event of events) {
              actors[i]?.send(event);
              revisions[i] = (revisions[i] ?? -1) + 1;
              folds[i] = evolveSlot(folds[i], event, revisions[i] ?? 0);
            }
          }
        };
        apply(
          new Map(
            IDS.map((id, n): [string, TimeslotEvent[]] => [
              id,
              [
                {
                  type: 'TimeslotOpened',
                  data: {
                    slotId: id,
                    stylist: 'Anna',
                    startTime: new Date(START + n * Q).toISOString(),
                    endTime: new Date(START + (n + 1) * Q).toISOString(),
                    openedAt: new Date(T0).toISOString(),
                  },
                },
              ],
            ]),
          ),
        );
        let n = 0;
        for (const o of ops) {
          const states = new Map(
            IDS.map((id, i) => [id, stateOf((actors[i] as (typeof actors)[number]).getSnapshot())]),
          );
          const ctx = { now: clock.now(), holdMs: HOLD_MS, cooldownMs: HOLD_MS };
          n += 1;
          const on = (slot: number, command: SlotCommand) =>
            decideForAppointment(states, IDS[slot] ?? '', command, ctx);
          try {
            if (o.kind === 'wait') clock.increment(o.ms);
            else if (o.kind === 'reserve') {
              const slotIds = IDS.slice(o.start, o.start + o.length);
              const service = { id: 'x', name: 'X', durationMinutes: 15 * o.length };
              const network = `net-${o.client}`;
              apply(decideReserveRun(states, { clientId: o.client, holdId: `h${n}`, slotIds, service, network }, ctx));
            } else if (o.kind === 'book')
              apply(on(o.slot, { type: 'book', clientId: o.client, customer, bookingId: `B${n}` }));
            else if (o.kind === 'cancelHold') apply(on(o.slot, { type: 'cancelHold', clientId: o.client }));
            else if (o.kind === 'close') apply(on(o.slot, { type: 'close' }));
            else if (o.kind === 'reopen') apply(on(o.slot, { type: 'reopen' }));
            else if (o.kind === 'cancelBooking') apply(on(o.slot, { type: 'cancelBooking', by: o.by }));
            else if (o.kind === 'expire') {
              const holdId = states.get(IDS[o.slot] ?? '')?.hold?.holdId ?? '';
              apply(on(o.slot, { type: 'expire', holdId }));
            } else if (o.kind === 'move') {
              const booking = states.get(IDS[o.slot] ?? '')?.booking;
              const length = booking?.appointment?.slotIds.length ?? 1;
              const to = IDS.slice(o.to, o.to + length);
              const moved = decideReschedule(
                states,
                { bookingId: booking?.bookingId ?? '', by: 'client', slotId: IDS[o.slot] ?? '', to },
                ctx,
              );
              apply(moved);
              // A moved booking keeps the network of the hold it was made from (for the cool-down).
              const after = stateOf((actors[IDS.indexOf(to[0] ?? '')] as (typeof actors)[number]).getSnapshot());
              if (moved.size > 0) expect(after.booking?.network).toBe(booking?.network);
            }
          } catch (error) {
            if (typeof (error as { code?: unknown }).code !== 'string') throw error; // refusals are fine; bugs are not
          }
          IDS.forEach((_, i) => {
            const written = stateOf((actors[i] as (typeof actors)[number]).getSnapshot());
            const read = folds[i] as SlotSummary;
            expect(common(read)).toEqual(common(written));
            expect(read.endedHolds).toEqual(written.endedHolds);
          });
        }
        for (const a of actors) a.stop();
      }),
      { numRuns: 500, seed: SEED },
    );
  });
});
