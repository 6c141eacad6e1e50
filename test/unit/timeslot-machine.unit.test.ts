import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import {
  type DecideContext,
  decide,
  initialSlotState,
  isSlotId,
  type SlotCommand,
  type SlotState,
  slotIdFor,
  stateOf,
  type TimeslotEvent,
  timeslotMachineFor,
} from '../../machines/index.js';
import { evolveSlot, type SlotSummary } from '../../projections/index.js';
import { HOUR, MINUTE, simulatedClock, T0 } from '../support/fixtures.js';

// Given the facts so far, when a command arrives, then these facts (or this rejection).
// The machine is driven by the same facts, with XState's SimulatedClock for the hold timer.

const HOLD_MS = 180_000;
const START = T0 + 4 * HOUR;
const SLOT = slotIdFor('Anna', START);
const ctx = (now = T0): DecideContext => ({ now, holdMs: HOLD_MS });

const opened: TimeslotEvent = {
  type: 'TimeslotOpened',
  data: {
    slotId: SLOT,
    stylist: 'Anna',
    startTime: new Date(START).toISOString(),
    endTime: new Date(START + HOUR).toISOString(),
    openedAt: new Date(T0 - HOUR).toISOString(),
  },
};
const reservedBy = (clientId: string, holdId = `hold-${clientId}`, at = T0): TimeslotEvent => ({
  type: 'TimeslotReserved',
  data: {
    holdId,
    clientId,
    reservedAt: new Date(at).toISOString(),
    expiresAt: new Date(at + HOLD_MS).toISOString(),
  },
});
const booked = (clientId: string, holdId = `hold-${clientId}`): TimeslotEvent => ({
  type: 'TimeslotBooked',
  data: {
    bookingId: 'HF-TEST-0001',
    holdId,
    clientId,
    customer: { name: 'Ada', phone: '+44 7700 900123' },
    bookedAt: new Date(T0 + MINUTE).toISOString(),
  },
});
const customer = { name: 'Ada Lovelace', email: 'ada@example.com' };

/** Runs the facts through a real actor and returns its state. */
const given = (...events: TimeslotEvent[]): SlotState => {
  const clock = simulatedClock();
  const actor = createActor(timeslotMachineFor(clock), { clock }).start();
  for (const e of events) actor.send(e);
  return stateOf(actor.getSnapshot());
};

const when =
  (state: SlotState, command: SlotCommand, now = T0) =>
  () =>
    decide(state, command, ctx(now));

describe('opening a slot', () => {
  const open: SlotCommand = { type: 'open', slotId: SLOT, stylist: 'Anna', startsAt: START, endsAt: START + HOUR };

  it('opens an unopened slot', () => {
    const events = decide(initialSlotState, open, ctx());
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('TimeslotOpened');
    expect(given(...events).status).toBe('available');
  });
  it('is idempotent for the same stylist, start and end', () => {
    expect(decide(given(opened), open, ctx())).toEqual([]);
  });
  it('refuses a different end for the same stylist and start', () => {
    expect(when(given(opened), { ...open, endsAt: START + 2 * HOUR })).toThrow(
      expect.objectContaining({ code: 'slot_exists' }),
    );
  });
  it.each([
    ['end before start', { endsAt: START - HOUR }],
    ['longer than 12 hours', { endsAt: START + 13 * HOUR }],
    ['not on a whole minute', { startsAt: START + 1_000, slotId: slotIdFor('Anna', START + 1_000) }],
    ['an id that does not match', { slotId: slotIdFor('Ben', START) }],
    ['a stylist with no letters', { stylist: '  !!  ' }],
  ])('refuses %s', (_label, change) => {
    expect(when(initialSlotState, { ...open, ...change } as SlotCommand)).toThrow(
      expect.objectContaining({ code: 'invalid_slot' }),
    );
  });
  it('refuses a slot in the past', () => {
    expect(when(initialSlotState, open, START + MINUTE)).toThrow(expect.objectContaining({ code: 'slot_in_past' }));
  });
});

describe('reserving', () => {
  it('holds an available slot for HOLD_SECONDS from now', () => {
    const [event] = decide(given(opened), { type: 'reserve', clientId: 'a', holdId: 'h1' }, ctx());
    expect(event).toEqual(reservedBy('a', 'h1'));
    const state = given(opened, reservedBy('a', 'h1'));
    expect(state.status).toBe('reserved');
    expect(state.hold?.expiresAt).toBe(T0 + HOLD_MS);
  });
  it("refuses another client's live hold with slot_taken", () => {
    expect(when(given(opened, reservedBy('a')), { type: 'reserve', clientId: 'b', holdId: 'h2' })).toThrow(
      expect.objectContaining({ code: 'slot_taken' }),
    );
  });
  it('returns your own live hold unchanged, without extending it', () => {
    const state = given(opened, reservedBy('a'));
    expect(decide(state, { type: 'reserve', clientId: 'a', holdId: 'h2' }, ctx(T0 + 2 * MINUTE))).toEqual([]);
  });
  it('expires a lapsed hold and reserves in one append', () => {
    const events = decide(
      given(opened, reservedBy('a')),
      { type: 'reserve', clientId: 'b', holdId: 'h2' },
      ctx(T0 + HOLD_MS),
    );
    expect(events.map((e) => e.type)).toEqual(['ReservationExpired', 'TimeslotReserved']);
    expect(given(opened, reservedBy('a'), ...events).hold?.clientId).toBe('b');
  });
  it('refuses a booked slot', () => {
    expect(when(given(opened, reservedBy('a'), booked('a')), { type: 'reserve', clientId: 'b', holdId: 'h' })).toThrow(
      expect.objectContaining({ code: 'slot_taken' }),
    );
  });
  it('refuses a closed slot', () => {
    const closed: TimeslotEvent = { type: 'TimeslotClosed', data: { closedAt: new Date(T0).toISOString() } };
    expect(when(given(opened, closed), { type: 'reserve', clientId: 'a', holdId: 'h' })).toThrow(
      expect.objectContaining({ code: 'slot_closed' }),
    );
  });
  it('refuses a slot that has started', () => {
    expect(when(given(opened), { type: 'reserve', clientId: 'a', holdId: 'h' }, START)).toThrow(
      expect.objectContaining({ code: 'slot_in_past' }),
    );
  });
  it('refuses an unopened slot with slot_not_found', () => {
    expect(when(initialSlotState, { type: 'reserve', clientId: 'a', holdId: 'h' })).toThrow(
      expect.objectContaining({ code: 'slot_not_found' }),
    );
  });
});

describe('booking', () => {
  const book = (clientId: string, c: unknown = customer): SlotCommand => ({
    type: 'book',
    clientId,
    customer: c,
    bookingId: 'HF-AAAA-BBBB',
  });

  it('books with your live hold and a valid customer', () => {
    const events = decide(given(opened, reservedBy('a')), book('a'), ctx(T0 + MINUTE));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'TimeslotBooked', data: { clientId: 'a', holdId: 'hold-a', customer } });
    const state = given(opened, reservedBy('a'), ...events);
    expect(state.status).toBe('booked');
    expect(state.hold).toBeNull();
  });
  it.each([
    ['without a hold', () => given(opened), 'a', 'no_hold'],
    ["with someone else's hold", () => given(opened, reservedBy('a')), 'b', 'not_your_hold'],
    ['on a slot booked by someone else', () => given(opened, reservedBy('b'), booked('b')), 'a', 'no_hold'],
  ])('refuses %s', (_label, state, clientId, code) => {
    expect(when(state(), book(clientId))).toThrow(expect.objectContaining({ code }));
  });
  it('refuses once the deadline has passed, even before the expiry is logged', () => {
    expect(when(given(opened, reservedBy('a')), book('a'), T0 + HOLD_MS)).toThrow(
      expect.objectContaining({ code: 'hold_expired' }),
    );
  });
  it('answers a repeated confirmation with the booking that stands', () => {
    expect(decide(given(opened, reservedBy('a'), booked('a')), book('a'), ctx())).toEqual([]);
  });
  it.each([
    ['no name', { phone: '+44 7700 900123' }],
    ['no contact', { name: 'Ada' }],
    ['a bad email', { name: 'Ada', email: 'ada@' }],
    ['a phone with letters', { name: 'Ada', phone: 'call me' }],
    ['a phone too short', { name: 'Ada', phone: '123' }],
    ['a name too long', { name: 'x'.repeat(101), email: 'a@b.co' }],
    ['not an object', 'Ada'],
  ])('refuses a customer with %s', (_label, c) => {
    expect(when(given(opened, reservedBy('a')), book('a', c))).toThrow(
      expect.objectContaining({ code: 'invalid_customer' }),
    );
  });
  it('normalises the customer it keeps', () => {
    const [event] = decide(
      given(opened, reservedBy('a')),
      book('a', { name: '  Ada   L ', email: 'ADA@Example.com' }),
      ctx(),
    );
    expect(event?.type === 'TimeslotBooked' && event.data.customer).toEqual({
      name: 'Ada L',
      email: 'ada@example.com',
    });
  });
});

describe('cancelling a hold', () => {
  it('releases your own hold', () => {
    const events = decide(given(opened, reservedBy('a')), { type: 'cancelHold', clientId: 'a' }, ctx());
    expect(events[0]).toMatchObject({ type: 'ReservationCancelled', data: { holdId: 'hold-a', by: 'client' } });
    expect(given(opened, reservedBy('a'), ...events).status).toBe('available');
  });
  it.each([
    ['no hold', () => given(opened), 'a', 'no_hold'],
    ["someone else's hold", () => given(opened, reservedBy('b')), 'a', 'not_your_hold'],
    ['a booking', () => given(opened, reservedBy('a'), booked('a')), 'a', 'no_hold'],
  ])('refuses %s', (_label, state, clientId, code) => {
    expect(when(state(), { type: 'cancelHold', clientId })).toThrow(expect.objectContaining({ code }));
  });
});

describe('the hold deadline', () => {
  it('signals when the stored deadline passes and does not change state by itself', () => {
    const clock = simulatedClock();
    const actor = createActor(timeslotMachineFor(clock), { clock }).start();
    const signals: string[] = [];
    actor.on('holdDeadlinePassed', (e) => signals.push(e.holdId));
    actor.send(opened);
    actor.send(reservedBy('a', 'h1'));
    clock.increment(HOLD_MS - 1);
    expect(signals).toEqual([]);
    clock.increment(1);
    expect(signals).toEqual(['h1']);
    expect(actor.getSnapshot().value).toBe('reserved'); // the engine persists the expiry
  });
  it('re-arms only the time left when the actor is rebuilt mid-hold', () => {
    const clock = simulatedClock(T0 + 2 * MINUTE); // restarted two minutes into the hold
    const actor = createActor(timeslotMachineFor(clock), { clock }).start();
    const signals: string[] = [];
    actor.on('holdDeadlinePassed', (e) => signals.push(e.holdId));
    actor.send(opened);
    actor.send(reservedBy('a', 'h1', T0));
    clock.increment(MINUTE - 1);
    expect(signals).toEqual([]);
    clock.increment(1);
    expect(signals).toEqual(['h1']);
  });
  it('does not fire after the hold is booked', () => {
    const clock = simulatedClock();
    const actor = createActor(timeslotMachineFor(clock), { clock }).start();
    const signals: string[] = [];
    actor.on('holdDeadlinePassed', (e) => signals.push(e.holdId));
    actor.send(opened);
    actor.send(reservedBy('a'));
    actor.send(booked('a'));
    clock.increment(HOLD_MS * 2);
    expect(signals).toEqual([]);
  });
  it('expire writes ReservationExpired only for the current, lapsed hold', () => {
    const state = given(opened, reservedBy('a', 'h1'));
    expect(decide(state, { type: 'expire', holdId: 'h1' }, ctx(T0 + HOLD_MS - 1))).toEqual([]);
    expect(decide(state, { type: 'expire', holdId: 'other' }, ctx(T0 + HOLD_MS))).toEqual([]);
    expect(decide(state, { type: 'expire', holdId: 'h1' }, ctx(T0 + HOLD_MS)).map((e) => e.type)).toEqual([
      'ReservationExpired',
    ]);
  });
  it('ignores a fact for a hold that is not the current one', () => {
    const state = given(opened, reservedBy('a', 'h1'), {
      type: 'ReservationExpired',
      data: { holdId: 'not-h1', clientId: 'a', expiredAt: new Date(T0).toISOString() },
    });
    expect(state.status).toBe('reserved');
  });
});

describe('owner actions', () => {
  const closedAt = { closedAt: new Date(T0).toISOString() };
  it('closes an available slot, and closing again is a no-op', () => {
    const events = decide(given(opened), { type: 'close', reason: 'sick' }, ctx());
    expect(events).toEqual([{ type: 'TimeslotClosed', data: { ...closedAt, reason: 'sick' } }]);
    expect(decide(given(opened, ...events), { type: 'close' }, ctx())).toEqual([]);
  });
  it('closing a held slot ends the hold first', () => {
    const events = decide(given(opened, reservedBy('a')), { type: 'close' }, ctx());
    expect(events.map((e) => e.type)).toEqual(['ReservationCancelled', 'TimeslotClosed']);
    expect(events[0]).toMatchObject({ data: { by: 'owner' } });
    expect(given(opened, reservedBy('a'), ...events).status).toBe('closed');
  });
  it('refuses to close a booked slot', () => {
    expect(when(given(opened, reservedBy('a'), booked('a')), { type: 'close' })).toThrow(
      expect.objectContaining({ code: 'slot_booked' }),
    );
  });
  it('reopens a closed slot; refuses to reopen a booked one', () => {
    const closed: TimeslotEvent = { type: 'TimeslotClosed', data: closedAt };
    const events = decide(given(opened, closed), { type: 'reopen' }, ctx());
    expect(given(opened, closed, ...events).status).toBe('available');
    expect(decide(given(opened), { type: 'reopen' }, ctx())).toEqual([]);
    expect(when(given(opened, reservedBy('a'), booked('a')), { type: 'reopen' })).toThrow(
      expect.objectContaining({ code: 'not_closed' }),
    );
  });
  it('cancels a booking back to available', () => {
    const state = given(opened, reservedBy('a'), booked('a'));
    const events = decide(state, { type: 'cancelBooking', by: 'owner', reason: 'stylist ill' }, ctx());
    expect(events[0]).toMatchObject({
      type: 'BookingCancelled',
      data: { bookingId: 'HF-TEST-0001', by: 'owner', reason: 'stylist ill' },
    });
    expect(given(opened, reservedBy('a'), booked('a'), ...events).status).toBe('available');
  });
  it('refuses to cancel a booking that is not there', () => {
    expect(when(given(opened), { type: 'cancelBooking', by: 'owner' })).toThrow(
      expect.objectContaining({ code: 'not_booked' }),
    );
    expect(
      when(given(opened, reservedBy('a'), booked('a')), { type: 'cancelBooking', by: 'client', bookingId: 'HF-OTHER' }),
    ).toThrow(expect.objectContaining({ code: 'not_booked' }));
  });
});

describe('holds are not renewable: the cool-down', () => {
  const COOL = 180_000;
  const cooled = (now: number): DecideContext => ({ now, holdMs: HOLD_MS, cooldownMs: COOL });
  const reserve = (clientId: string, network?: string): SlotCommand => ({
    type: 'reserve',
    clientId,
    holdId: `h-${clientId}-2`,
    ...(network !== undefined && { network }),
  });
  const withNetwork = (event: TimeslotEvent, network: string): TimeslotEvent =>
    event.type === 'TimeslotReserved' ? { ...event, data: { ...event.data, network } } : event;
  const released = (clientId: string, at: number, by: 'client' | 'owner' = 'client'): TimeslotEvent => ({
    type: 'ReservationCancelled',
    data: { holdId: `hold-${clientId}`, clientId, cancelledAt: new Date(at).toISOString(), by },
  });
  const expired = (clientId: string, at: number): TimeslotEvent => ({
    type: 'ReservationExpired',
    data: { holdId: `hold-${clientId}`, clientId, expiredAt: new Date(at).toISOString() },
  });
  const refusal = (state: SlotState, command: SlotCommand, now: number) => {
    try {
      decide(state, command, cooled(now));
      return 'ok';
    } catch (error) {
      const { code, retryAfterMs } = error as { code: string; retryAfterMs?: number };
      return retryAfterMs === undefined ? code : `${code} ${retryAfterMs}`;
    }
  };

  it('refuses the client that released a slot, until the cool-down has passed, and says how long', () => {
    const state = given(opened, reservedBy('a'), released('a', T0 + MINUTE));
    expect(refusal(state, reserve('a'), T0 + MINUTE)).toBe(`hold_cooldown ${COOL}`);
    expect(refusal(state, reserve('a'), T0 + MINUTE + COOL - 1)).toBe('hold_cooldown 1');
    expect(refusal(state, reserve('a'), T0 + MINUTE + COOL)).toBe('ok');
    expect(refusal(state, reserve('b'), T0 + MINUTE)).toBe('ok'); // anyone else at once
  });

  it('refuses every session on the releasing network', () => {
    const state = given(opened, withNetwork(reservedBy('a'), 'net-1'), released('a', T0 + MINUTE));
    expect(refusal(state, reserve('fresh-cookie', 'net-1'), T0 + 2 * MINUTE)).toMatch(/^hold_cooldown/);
    expect(refusal(state, reserve('fresh-cookie', 'net-2'), T0 + 2 * MINUTE)).toBe('ok');
  });

  it('counts an expired hold from its deadline, logged or not yet', () => {
    const deadline = T0 + HOLD_MS;
    const logged = given(opened, reservedBy('a'), expired('a', deadline + 5 * MINUTE));
    expect(refusal(logged, reserve('a'), deadline + COOL - 1)).toBe('hold_cooldown 1');
    expect(refusal(logged, reserve('a'), deadline + COOL)).toBe('ok');
    const lapsed = given(opened, reservedBy('a')); // the expiry is not in the log yet
    expect(refusal(lapsed, reserve('a'), deadline + 1)).toBe(`hold_cooldown ${COOL - 1}`);
    expect(decide(lapsed, reserve('b'), cooled(deadline + 1)).map((e) => e.type)).toEqual([
      'ReservationExpired',
      'TimeslotReserved',
    ]);
  });

  it('leaves no cool-down when the salon ended the hold, and none with a cool-down of 0', () => {
    const closedOn = given(opened, reservedBy('a'), released('a', T0 + MINUTE, 'owner'));
    expect(refusal(closedOn, reserve('a'), T0 + MINUTE)).toBe('ok');
    const state = given(opened, reservedBy('a'), released('a', T0 + MINUTE));
    expect(() => decide(state, reserve('a'), ctx(T0 + MINUTE))).not.toThrow();
  });

  it('puts the network into the hold, and the machine and the read model remember the same', () => {
    const [reserved] = decide(given(opened), reserve('a', 'net-1'), cooled(T0));
    expect(reserved).toMatchObject({ type: 'TimeslotReserved', data: { network: 'net-1' } });
    const history: TimeslotEvent[] = [
      opened,
      withNetwork(reservedBy('a'), 'net-1'),
      released('a', T0 + MINUTE),
      reservedBy('b', 'hold-b', T0 + 2 * MINUTE),
      expired('b', T0 + 9 * MINUTE),
      reservedBy('c', 'hold-c', T0 + 10 * MINUTE),
      released('c', T0 + 11 * MINUTE, 'owner'),
    ];
    let summary: SlotSummary | undefined;
    history.forEach((event, revision) => {
      summary = evolveSlot(summary, event, revision);
    });
    expect(given(...history).endedHolds).toEqual([
      { clientId: 'a', network: 'net-1', endedAt: T0 + MINUTE },
      { clientId: 'b', endedAt: T0 + 2 * MINUTE + HOLD_MS },
    ]);
    expect(summary?.endedHolds).toEqual(given(...history).endedHolds);
  });

  it('counts a booking the client cancelled like a released hold; the salon cancelling leaves none', () => {
    const cancelled = (by: 'client' | 'owner'): TimeslotEvent => ({
      type: 'BookingCancelled',
      data: { bookingId: 'HF-TEST-0001', cancelledAt: new Date(T0 + 2 * MINUTE).toISOString(), by },
    });
    for (const [by, expected] of [
      ['client', [{ clientId: 'a', network: 'net-1', endedAt: T0 + 2 * MINUTE }]],
      ['owner', []],
    ] as const) {
      const history = [opened, withNetwork(reservedBy('a'), 'net-1'), booked('a'), cancelled(by)];
      let summary: SlotSummary | undefined;
      history.forEach((event, revision) => {
        summary = evolveSlot(summary, event, revision);
      });
      expect(given(...history).endedHolds).toEqual(expected);
      expect(summary?.endedHolds).toEqual(expected);
    }
    const state = given(opened, withNetwork(reservedBy('a'), 'net-1'), booked('a'), cancelled('client'));
    expect(refusal(state, reserve('someone', 'net-1'), T0 + 3 * MINUTE)).toMatch(/^hold_cooldown/);
  });

  it('forgets holds that ended over an hour before, so the memory stays small', () => {
    const events: TimeslotEvent[] = [opened];
    for (let i = 0; i < 40; i += 1) {
      const at = T0 + i * 10 * MINUTE;
      events.push(reservedBy(`c${i}`, `hold-c${i}`, at), released(`c${i}`, at + MINUTE));
    }
    const remembered = given(...events).endedHolds;
    expect(remembered.length).toBeLessThanOrEqual(16);
    expect(remembered.at(-1)?.clientId).toBe('c39');
    expect(remembered.every((e) => e.endedAt > T0 + 390 * MINUTE - 60 * MINUTE)).toBe(true);
  });
});

describe('slot ids', () => {
  it.each([Number.NaN, Number.POSITIVE_INFINITY, 9e15, -9e15])(
    'never throw for a start of %s, and are not valid ids',
    (startsAt) => {
      expect(isSlotId(slotIdFor('Anna', startsAt))).toBe(false);
      expect(() =>
        decide(
          initialSlotState,
          { type: 'open', slotId: slotIdFor('Anna', startsAt), stylist: 'Anna', startsAt, endsAt: startsAt },
          ctx(),
        ),
      ).toThrow(expect.objectContaining({ code: 'invalid_slot' }));
    },
  );
  it('derive from stylist and start', () => {
    expect(slotIdFor("Zoë O'Brien", Date.parse('2026-11-25T09:00:00Z'))).toBe('zoe-o-brien-20261125T0900Z');
  });
});
