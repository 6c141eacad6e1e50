import Database from 'better-sqlite3';
import {
  EVENT_SCHEMA_VERSION,
  type EventMetadata,
  slotIdFor,
  streamIdOf,
  type TimeslotEvent,
} from '../../machines/index.js';
import { createSqliteLog } from '../../src/eventlog/sqlite.js';

// Synthetic but valid salon histories, written straight into a SQLite log file: going
// through the engine would take longer than the thing being measured. The file is created
// by our own adapter (so the schema is the app's), then filled in bulk in one transaction.

export type PlannedSlot = { slotId: string; stylist: string; startsAt: number; endsAt: number };

const MINUTE = 60_000;
export const SLOT_MINUTES = 30;

/** `count` half-hour slots from `from`, round the clock, across `stylists` chairs. */
export const planSlots = (count: number, from: number, stylists = 50): PlannedSlot[] => {
  const names = Array.from({ length: stylists }, (_, i) => `Stylist ${i + 1}`);
  const start = Math.ceil(from / (SLOT_MINUTES * MINUTE)) * SLOT_MINUTES * MINUTE;
  return Array.from({ length: count }, (_, i) => {
    const stylist = names[i % stylists] ?? 'Stylist';
    const startsAt = start + Math.floor(i / stylists) * SLOT_MINUTES * MINUTE;
    return { slotId: slotIdFor(stylist, startsAt), stylist, startsAt, endsAt: startsAt + SLOT_MINUTES * MINUTE };
  });
};

type Fact = { event: TimeslotEvent; actor: EventMetadata['actor']; at: number };

const iso = (ms: number) => new Date(ms).toISOString();
const OWNER = { kind: 'owner' } as const;

/**
 * A slot's story in `length` events (1 = just opened; up to 10): a released hold, a lapsed
 * one, a booking the client cancelled, then a last hold that is booked (odd slots) or lapses.
 * Every fact is one the machine accepts in that order, at times a real clock could give.
 */
export const storyOf = (slot: PlannedSlot, n: number, length: number, at: number): Fact[] => {
  const client = (k: number) => ({ kind: 'client', id: `c${n}x${k}` }) as const;
  const hold = (k: number, t: number): Fact => ({
    event: {
      type: 'TimeslotReserved',
      data: { holdId: `h${n}x${k}`, clientId: `c${n}x${k}`, reservedAt: iso(t), expiresAt: iso(t + 3 * MINUTE) },
    },
    actor: client(k),
    at: t,
  });
  const booked = (k: number, t: number): Fact => ({
    event: {
      type: 'TimeslotBooked',
      data: {
        bookingId: `b${n}x${k}`,
        holdId: `h${n}x${k}`,
        clientId: `c${n}x${k}`,
        customer: { name: `Client ${n}`, phone: '+44 7700 900000' },
        bookedAt: iso(t),
      },
    },
    actor: client(k),
    at: t,
  });
  const expired = (k: number, t: number): Fact => ({
    event: { type: 'ReservationExpired', data: { holdId: `h${n}x${k}`, clientId: `c${n}x${k}`, expiredAt: iso(t) } },
    actor: { kind: 'system', reason: 'hold_expired' },
    at: t,
  });
  const t = at;
  const story: Fact[] = [
    {
      event: {
        type: 'TimeslotOpened',
        data: {
          slotId: slot.slotId,
          stylist: slot.stylist,
          startTime: iso(slot.startsAt),
          endTime: iso(slot.endsAt),
          openedAt: iso(t),
        },
      },
      actor: OWNER,
      at: t,
    },
    hold(1, t + MINUTE),
    {
      event: {
        type: 'ReservationCancelled',
        data: { holdId: `h${n}x1`, clientId: `c${n}x1`, cancelledAt: iso(t + 2 * MINUTE), by: 'client' },
      },
      actor: client(1),
      at: t + 2 * MINUTE,
    },
    hold(2, t + 3 * MINUTE),
    expired(2, t + 6 * MINUTE),
    hold(3, t + 7 * MINUTE),
    booked(3, t + 8 * MINUTE),
    {
      event: {
        type: 'BookingCancelled',
        data: { bookingId: `b${n}x3`, cancelledAt: iso(t + 9 * MINUTE), by: 'client' },
      },
      actor: client(3),
      at: t + 9 * MINUTE,
    },
    hold(4, t + 10 * MINUTE),
    n % 2 === 1 ? booked(4, t + 11 * MINUTE) : expired(4, t + 13 * MINUTE),
  ];
  return story.slice(0, Math.max(1, Math.min(length, story.length)));
};

/**
 * Writes `eventsPerSlot` facts for each slot, slots interleaved as a busy day would
 * interleave them (round by round), histories starting at `at`. Returns the event count.
 */
export const writeHistory = async (
  path: string,
  slots: readonly PlannedSlot[],
  eventsPerSlot: number,
  at: number,
): Promise<number> => {
  await createSqliteLog({ path }).close(); // creates the file with the app's schema
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // a fixture, not a log anyone relies on
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const stories = slots.map((slot, n) => storyOf(slot, n, eventsPerSlot, at));
  let count = 0;
  db.transaction(() => {
    for (let revision = 0; revision < eventsPerSlot; revision += 1) {
      stories.forEach((story, n) => {
        const fact = story[revision];
        const slot = slots[n];
        if (fact === undefined || slot === undefined) return;
        const metadata: EventMetadata = { schemaVersion: EVENT_SCHEMA_VERSION, actor: fact.actor };
        insert.run(
          streamIdOf(slot.slotId),
          revision,
          fact.event.type,
          JSON.stringify(fact.event.data),
          JSON.stringify(metadata),
          iso(fact.at),
        );
        count += 1;
      });
    }
  })();
  db.close();
  return count;
};
