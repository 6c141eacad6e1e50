import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../machines/index.js';
import { checkLog, describeViolations } from '../../projections/index.js';
import { MINUTE, T0 } from '../support/fixtures.js';

// The verifier on hand-written logs: a sound one passes, and each planted fault is found,
// named, and pinned to its slot and revision.

const SLOT = 'anna-20261205T1200Z';
const iso = (ms: number) => new Date(ms).toISOString();

/** A log of one slot's stream: each entry is [type, data, minutes after T0]. */
const stream = (entries: Array<[string, Record<string, unknown>, number]>, slotId = SLOT): RecordedEvent[] =>
  entries.map(([type, data, minutes], revision) => ({
    streamId: `timeslot-${slotId}`,
    revision,
    position: 100 + revision * 7,
    type,
    data,
    metadata: {},
    recordedAt: iso(T0 + minutes * MINUTE),
  }));

const opened: [string, Record<string, unknown>, number] = ['TimeslotOpened', { slotId: SLOT }, 0];
const reserved = (holdId: string, at: number, minutes = 3): [string, Record<string, unknown>, number] => [
  'TimeslotReserved',
  { holdId, clientId: `c-${holdId}`, reservedAt: iso(T0 + at * MINUTE), expiresAt: iso(T0 + (at + minutes) * MINUTE) },
  at,
];
const booked = (holdId: string, at: number): [string, Record<string, unknown>, number] => [
  'TimeslotBooked',
  {
    holdId,
    bookingId: `HF-${holdId}`,
    clientId: `c-${holdId}`,
    customer: { name: 'A' },
    bookedAt: iso(T0 + at * MINUTE),
  },
  at,
];
const expired = (holdId: string, at: number): [string, Record<string, unknown>, number] => [
  'ReservationExpired',
  { holdId, clientId: `c-${holdId}`, expiredAt: iso(T0 + at * MINUTE) },
  at,
];

/** Streams interleaved into one log, in the order given, with increasing positions. */
const logOf = (...streams: RecordedEvent[][]): RecordedEvent[] =>
  streams.flat().map((event, i) => ({ ...event, position: 100 + i * 7 }));

const problems = (events: RecordedEvent[], now = T0 + 60 * MINUTE) =>
  describeViolations(checkLog(events, now).violations);

describe('log verification', () => {
  it('passes a sound log and counts what it saw', () => {
    const events = logOf(
      stream([opened, reserved('h1', 1), expired('h1', 4), reserved('h2', 5), booked('h2', 6)]),
      stream([opened, reserved('h3', 58)], 'ben-20261205T1200Z'),
    );
    const report = checkLog(events, T0 + 60 * MINUTE);
    expect(report.violations).toEqual([]);
    expect(report).toMatchObject({ events: 7, slots: 2, liveHolds: 1, byStatus: { booked: 1, reserved: 1 } });
  });

  it('finds a second hold on a held slot (two clients in one chair)', () => {
    expect(problems(stream([opened, reserved('h1', 1), reserved('h2', 2)]))).toEqual([
      `${SLOT} @2 TimeslotReserved: the slot was reserved, not available`,
      expect.stringContaining('hold h2 lapsed'),
    ]);
  });

  it('finds a booking made with a hold that is not the live one, and one made after the deadline', () => {
    expect(problems(stream([opened, reserved('h1', 1), booked('h9', 2)]))).toEqual([
      `${SLOT} @2 TimeslotBooked: ends hold h9, but the live hold is h1`,
    ]);
    expect(problems(stream([opened, reserved('h1', 1), booked('h1', 5)]))).toEqual([
      expect.stringMatching(/@2 TimeslotBooked: booked at .* after the hold's deadline/),
    ]);
  });

  it('finds a hold ended twice, and one expired before its deadline', () => {
    expect(problems(stream([opened, reserved('h1', 1), expired('h1', 4), expired('h1', 5)]))).toEqual([
      expect.stringMatching(/@3 ReservationExpired: the slot was available, not reserved/),
      expect.stringMatching(/@3 ReservationExpired: ends hold h1, but the live hold is none/),
    ]);
    expect(problems(stream([opened, reserved('h1', 1), expired('h1', 2)]))).toEqual([
      expect.stringMatching(/@2 ReservationExpired: expired at .* before the hold's deadline/),
    ]);
  });

  it('finds a hold that lapsed and never ended, and not one still live', () => {
    const events = stream([opened, reserved('h1', 1)]);
    expect(problems(events, T0 + 2 * MINUTE)).toEqual([]);
    expect(problems(events, T0 + 5 * MINUTE)).toEqual([expect.stringMatching(/hold h1 lapsed at .* and never ended/)]);
  });

  it('finds a gap or a repeat in revisions, a position that goes back, and time going backwards', () => {
    const gap = stream([opened, reserved('h1', 1)]);
    (gap[1] as RecordedEvent).revision = 2;
    expect(problems(gap, T0 + 2 * MINUTE)).toEqual([
      expect.stringMatching(/@2 TimeslotReserved: revision 2 follows 0/),
    ]);
    const back = stream([opened, reserved('h1', 1), expired('h1', 4)]);
    (back[2] as RecordedEvent).position = 1;
    (back[1] as RecordedEvent).recordedAt = iso(T0 + 30 * MINUTE);
    expect(problems(back)).toEqual([
      expect.stringMatching(/@2 ReservationExpired: log position 1 does not increase/),
      expect.stringMatching(/@2 ReservationExpired: recorded at .* before the event it follows/),
    ]);
  });

  it('finds facts out of place: opened twice, a booking cancelled on a free slot, an unknown type', () => {
    const events = stream([
      opened,
      opened,
      ['BookingCancelled', { bookingId: 'HF-x', cancelledAt: iso(T0), by: 'owner' }, 1],
      ['TimeslotTeleported', {}, 2],
    ]);
    expect(problems(events)).toEqual([
      `${SLOT} @1 TimeslotOpened: the slot was available, not unopened`,
      `${SLOT} @2 BookingCancelled: the slot was available, not booked`,
      `${SLOT} @3 TimeslotTeleported: unknown event type in a timeslot stream`,
    ]);
  });

  it('ignores streams that are not timeslots', () => {
    const other = { ...stream([opened])[0], streamId: 'something-else' } as RecordedEvent;
    expect(checkLog([other], T0).events).toBe(0);
  });
});
