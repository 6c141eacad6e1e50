import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  type DecideContext,
  decideForAppointment,
  decideReserveRun,
  fitRun,
  NeedsSlots,
  type SlotState,
  slotIdFor,
  stateOf,
  type TimeslotEvent,
  timeslotMachineFor,
} from '../../machines/index.js';
import { applyToAvailability } from '../../projections/availability.js';
import { createAvailability, evolveSlot, runFrom, startOptions } from '../../projections/index.js';
import { HOUR, MINUTE, simulatedClock, T0 } from '../support/fixtures.js';

// Decisions for appointments (runs of slots): given each slot's facts, a command on the run
// gives these facts per slot, or one refusal for all.

const HOLD_MS = 180_000;
const ctx = (now = T0): DecideContext => ({ now, holdMs: HOLD_MS });
const START = T0 + 4 * HOUR;
const Q = 15 * MINUTE;
const ID = (n: number, stylist = 'Anna') => slotIdFor(stylist, START + n * Q);
const iso = (ms: number) => new Date(ms).toISOString();
const colour = (quarters: number) => ({ id: 'colour', name: 'Colour', durationMinutes: 15 * quarters });

const opened = (n: number, stylist = 'Anna', length = Q): TimeslotEvent => ({
  type: 'TimeslotOpened',
  data: {
    slotId: ID(n, stylist),
    stylist,
    startTime: iso(START + n * Q),
    endTime: iso(START + n * Q + length),
    openedAt: iso(T0 - HOUR),
  },
});

/** The machine's state after these facts. */
const given = (...events: TimeslotEvent[]): SlotState => {
  const actor = createActor(timeslotMachineFor(simulatedClock()));
  actor.start();
  for (const e of events) actor.send(e);
  return stateOf(actor.getSnapshot());
};
const statesOf = (entries: Array<[string, SlotState]>) => new Map(entries);

/** The facts of a run held by `clientId` (as decideReserveRun writes them), per slot. */
const heldRun = (ns: number[], clientId = 'a', at = T0) => {
  const reserve = { clientId, holdId: `hold-${clientId}`, slotIds: ns.map((n) => ID(n)), service: colour(ns.length) };
  const open = statesOf(ns.map((n) => [ID(n), given(opened(n))]));
  return { decisions: decideReserveRun(open, reserve, ctx(at)), reserve };
};

describe('a run of slots for a service', () => {
  const slots = [0, 1, 2, 4].map((n) => ({
    slotId: ID(n),
    stylist: 'Anna',
    startsAt: START + n * Q,
    endsAt: START + (n + 1) * Q,
  }));
  const next = (s: (typeof slots)[number]) => slots.find((x) => x.startsAt === s.endsAt);

  it('takes the fewest contiguous slots that cover the duration', () => {
    expect(fitRun(slots[0] as (typeof slots)[0], 45 * MINUTE, next).map((s) => s.slotId)).toEqual([
      ID(0),
      ID(1),
      ID(2),
    ]);
    expect(fitRun(slots[0] as (typeof slots)[0], 40 * MINUTE, next)).toHaveLength(3); // smallest overshoot
    expect(fitRun(slots[0] as (typeof slots)[0], 15 * MINUTE, next)).toHaveLength(1);
  });

  it('refuses a gap, or the end of the day, as service_does_not_fit', () => {
    expect(() => fitRun(slots[1] as (typeof slots)[0], 45 * MINUTE, next)).toThrow(
      expect.objectContaining({ code: 'service_does_not_fit' }),
    );
    expect(() => fitRun(slots[3] as (typeof slots)[0], 30 * MINUTE, next)).toThrow(
      expect.objectContaining({ code: 'service_does_not_fit' }),
    );
  });

  it('reads runs and start options off the read model, for stylists who offer the service', () => {
    const model = createAvailability();
    for (const n of [0, 1, 2, 4, 5]) applyToAvailability(model, ID(n), opened(n), 0);
    applyToAvailability(model, ID(0, 'Ben'), opened(0, 'Ben', 45 * MINUTE), 0);
    const service = {
      serviceId: 'colour',
      name: 'Colour',
      durationMinutes: 30,
      stylists: null,
      price: null,
      active: true,
    };
    expect(runFrom(model, ID(0), service).map((s) => s.slotId)).toEqual([ID(0), ID(1)]);
    const options = startOptions(model, { from: T0, to: START + 2 * HOUR }, service, T0);
    expect(options.map((run) => run.map((s) => s.slotId))).toEqual([
      [ID(0)].concat(ID(1)),
      [ID(0, 'Ben')],
      [ID(1), ID(2)],
      [ID(4), ID(5)],
    ]);
    expect(() => runFrom(model, ID(0), { ...service, stylists: ['Ben'] })).toThrow(
      expect.objectContaining({ code: 'service_does_not_fit' }),
    );
    // A held slot is no start, and no part of one.
    applyToAvailability(
      model,
      ID(1),
      {
        type: 'TimeslotReserved',
        data: { holdId: 'h', clientId: 'x', reservedAt: iso(T0), expiresAt: iso(T0 + HOLD_MS) },
      },
      1,
    );
    const after = startOptions(model, { from: T0, to: START + 2 * HOUR, stylist: 'Anna' }, service, T0);
    expect(after.map((run) => run[0]?.slotId)).toEqual([ID(4)]);
    // Once the hold has lapsed its slot is free again, logged or not.
    expect(
      startOptions(model, { from: T0, to: START + 2 * HOUR, stylist: 'Anna' }, service, T0 + HOLD_MS),
    ).toHaveLength(3);
  });
});

describe('holding a run', () => {
  it('holds every slot under one hold id and deadline, each naming the appointment', () => {
    const { decisions } = heldRun([0, 1, 2]);
    expect([...decisions.keys()]).toEqual([ID(0), ID(1), ID(2)]);
    for (const [, events] of decisions) {
      expect(events).toEqual([
        {
          type: 'TimeslotReserved',
          data: expect.objectContaining({
            holdId: 'hold-a',
            expiresAt: iso(T0 + HOLD_MS),
            appointment: {
              slotIds: [ID(0), ID(1), ID(2)],
              startTime: iso(START),
              endTime: iso(START + 3 * Q),
              service: colour(3),
            },
          }),
        },
      ]);
    }
  });

  it('refuses the whole run when any slot is taken or closed, and a run that does not match the service', () => {
    const taken = heldRun([1], 'b').decisions.get(ID(1)) ?? [];
    const states = statesOf([
      [ID(0), given(opened(0))],
      [ID(1), given(opened(1), ...taken)],
    ]);
    const reserve = { clientId: 'a', holdId: 'h', slotIds: [ID(0), ID(1)], service: colour(2) };
    expect(() => decideReserveRun(states, reserve, ctx())).toThrow(expect.objectContaining({ code: 'slot_taken' }));
    const closed = statesOf([
      [ID(0), given(opened(0))],
      [ID(1), given(opened(1), { type: 'TimeslotClosed', data: { closedAt: iso(T0) } })],
    ]);
    expect(() => decideReserveRun(closed, reserve, ctx())).toThrow(expect.objectContaining({ code: 'slot_taken' }));
    const free = statesOf([
      [ID(0), given(opened(0))],
      [ID(1), given(opened(1))],
    ]);
    expect(() => decideReserveRun(free, { ...reserve, service: colour(1) }, ctx())).toThrow(
      expect.objectContaining({ code: 'service_does_not_fit' }),
    );
    const gap = statesOf([
      [ID(0), given(opened(0))],
      [ID(2), given(opened(2))],
    ]);
    expect(() => decideReserveRun(gap, { ...reserve, slotIds: [ID(0), ID(2)] }, ctx())).toThrow(
      expect.objectContaining({ code: 'service_does_not_fit' }),
    );
  });

  it('gives the same run back to its holder unchanged, and refuses them an overlapping one', () => {
    const { decisions, reserve } = heldRun([0, 1]);
    const states = statesOf([0, 1, 2].map((n) => [ID(n), given(opened(n), ...(decisions.get(ID(n)) ?? []))]));
    expect(decideReserveRun(states, { ...reserve, holdId: 'again' }, ctx(T0 + MINUTE)).size).toBe(0);
    const overlapping = { ...reserve, holdId: 'other', slotIds: [ID(1), ID(2)] };
    expect(() => decideReserveRun(states, overlapping, ctx(T0 + MINUTE))).toThrow(
      expect.objectContaining({ code: 'slot_taken' }),
    );
    // A plain reserve of one of its slots (the seed's request) gives the hold back unchanged.
    const plain = { clientId: 'a', holdId: 'plain', slotIds: [ID(1)] };
    expect(decideReserveRun(states, plain, ctx(T0 + MINUTE)).size).toBe(0);
    expect(() => decideReserveRun(states, { ...plain, clientId: 'b' }, ctx(T0 + MINUTE))).toThrow(
      expect.objectContaining({ code: 'slot_taken' }),
    );
  });

  it('expires a lapsed appointment on all its slots, inside the new run or not, or asks for them', () => {
    const { decisions } = heldRun([1, 2], 'b');
    const later = T0 + HOLD_MS + MINUTE;
    const states = statesOf([0, 1, 2].map((n) => [ID(n), given(opened(n), ...(decisions.get(ID(n)) ?? []))]));
    const reserve = { clientId: 'a', holdId: 'hold-a', slotIds: [ID(0), ID(1)], service: colour(2) };
    const without2 = statesOf([0, 1].map((n) => [ID(n), states.get(ID(n)) as SlotState]));
    expect(() => decideReserveRun(without2, reserve, ctx(later))).toThrow(NeedsSlots);
    const out = decideReserveRun(states, reserve, ctx(later));
    expect(out.get(ID(1))?.map((e) => e.type)).toEqual(['ReservationExpired', 'TimeslotReserved']);
    expect(out.get(ID(2))?.map((e) => e.type)).toEqual(['ReservationExpired']);
  });
});

describe('a command on one slot of an appointment', () => {
  const { decisions } = heldRun([0, 1, 2]);
  const held = statesOf([0, 1, 2].map((n) => [ID(n), given(opened(n), ...(decisions.get(ID(n)) ?? []))]));

  it('books, releases and expires every slot', () => {
    const book = decideForAppointment(
      held,
      ID(2),
      { type: 'book', clientId: 'a', customer: { name: 'Ada', phone: '0161 496 0000' }, bookingId: 'HF-1' },
      ctx(),
    );
    expect([...book.values()].map((events) => events.map((e) => e.type))).toEqual([
      ['TimeslotBooked'],
      ['TimeslotBooked'],
      ['TimeslotBooked'],
    ]);
    expect(book.get(ID(0))?.[0]).toMatchObject({
      data: { bookingId: 'HF-1', appointment: { slotIds: [ID(0), ID(1), ID(2)] } },
    });
    const release = decideForAppointment(held, ID(1), { type: 'cancelHold', clientId: 'a' }, ctx());
    expect([...release.keys()]).toEqual([ID(0), ID(1), ID(2)]);
    const expire = decideForAppointment(held, ID(0), { type: 'expire', holdId: 'hold-a' }, ctx(T0 + HOLD_MS));
    expect([...expire.values()].flat().map((e) => e.type)).toEqual(Array(3).fill('ReservationExpired'));
    expect(() => decideForAppointment(held, ID(1), { type: 'cancelHold', clientId: 'b' }, ctx())).toThrow(
      expect.objectContaining({ code: 'not_your_hold' }),
    );
  });

  it('ends the whole hold when the owner closes one slot, and asks for slots it was not given', () => {
    const close = decideForAppointment(held, ID(1), { type: 'close' }, ctx());
    expect(close.get(ID(0))?.map((e) => e.type)).toEqual(['ReservationCancelled']);
    expect(close.get(ID(1))?.map((e) => e.type)).toEqual(['ReservationCancelled', 'TimeslotClosed']);
    expect(close.get(ID(2))?.map((e) => e.type)).toEqual(['ReservationCancelled']);
    const partial = statesOf([[ID(1), held.get(ID(1)) as SlotState]]);
    expect(() => decideForAppointment(partial, ID(1), { type: 'close' }, ctx())).toThrow(NeedsSlots);
  });

  it('keeps the appointment in the machine and the read model alike', () => {
    const events = [opened(1), ...(decisions.get(ID(1)) ?? [])];
    let summary = undefined as ReturnType<typeof evolveSlot>;
    events.forEach((e, revision) => {
      summary = evolveSlot(summary, e, revision);
    });
    expect(summary?.hold?.appointment).toEqual(held.get(ID(1))?.hold?.appointment);
  });
});

describe('start options (property)', () => {
  it('are exactly the starts where a brute-force fit succeeds on free slots', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 2 ** 31);
    console.log(`start options property: seed ${seed}`);
    const layout = fc.array(fc.record({ open: fc.boolean(), held: fc.boolean(), long: fc.boolean() }), {
      minLength: 1,
      maxLength: 16,
    });
    fc.assert(
      fc.property(fc.tuple(layout, layout), fc.integer({ min: 1, max: 7 }), ([anna, ben], quarters) => {
        const model = createAvailability();
        for (const [stylist, cells] of [
          ['Anna', anna],
          ['Ben', ben],
        ] as const) {
          let at = START;
          cells.forEach((cell, n) => {
            const length = cell.long ? 2 * Q : Q;
            if (cell.open) {
              const slotId = slotIdFor(stylist, at);
              const open: TimeslotEvent = {
                type: 'TimeslotOpened',
                data: { slotId, stylist, startTime: iso(at), endTime: iso(at + length), openedAt: iso(T0) },
              };
              applyToAvailability(model, slotId, open, 0);
              if (cell.held) {
                const held: TimeslotEvent = {
                  type: 'TimeslotReserved',
                  data: { holdId: `h${n}`, clientId: 'x', reservedAt: iso(T0), expiresAt: iso(T0 + HOLD_MS) },
                };
                applyToAvailability(model, slotId, held, 1);
              }
            }
            at += length;
          });
        }
        const service = {
          serviceId: 's',
          name: 'S',
          durationMinutes: 15 * quarters,
          stylists: null,
          price: null,
          active: true,
        };
        const query = { from: T0, to: START + 24 * HOUR };
        const free = [...model.slots.values()].filter((s) => s.status === 'available');
        const expected: string[][] = [];
        for (const first of free.sort((a, b) => a.startsAt - b.startsAt || a.stylist.localeCompare(b.stylist))) {
          try {
            const next = (s: (typeof free)[number]) =>
              free.find((x) => x.stylist === s.stylist && x.startsAt === s.endsAt);
            expected.push(fitRun(first, quarters * Q, next).map((s) => s.slotId));
          } catch {
            // no fit from here
          }
        }
        const actual = startOptions(model, query, service, T0).map((run) => run.map((s) => s.slotId));
        expect(actual).toEqual(expected);
      }),
      { numRuns: 300, seed },
    );
  });
});
