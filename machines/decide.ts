import type { SnapshotFrom } from 'xstate';
import { validateCustomer } from './customer.js';
import { cooldownLeft, noEndedHolds } from './ended-holds.js';
import { DomainError } from './errors.js';
import type { TimeslotEvent } from './events.js';
import { isoTime } from './iso-time.js';
import { unprintable } from './plain-text.js';
import { slotIdFor, stylistSlug } from './slot-id.js';
import type { TimeslotContext, TimeslotMachine } from './timeslot.machine.js';

// decide(state, command, ctx) → the facts to append, or a DomainError. Pure: time and
// fresh ids come in through the command and context, so a test can replay any decision.

export type SlotStatus = 'unopened' | 'available' | 'reserved' | 'booked' | 'closed';
export type SlotState = TimeslotContext & { status: SlotStatus };

export type SlotCommand =
  | { type: 'open'; slotId: string; stylist: string; startsAt: number; endsAt: number }
  | { type: 'reserve'; clientId: string; holdId: string; network?: string }
  | { type: 'book'; clientId: string; customer: unknown; bookingId: string }
  | { type: 'cancelHold'; clientId: string }
  | { type: 'expire'; holdId: string }
  | { type: 'close'; reason?: string }
  /** The owner ends whatever hold the slot has (closing another slot of its appointment). */
  | { type: 'endHold' }
  | { type: 'reopen' }
  | { type: 'cancelBooking'; by: 'client' | 'owner'; bookingId?: string; reason?: string };

export type DecideContext = {
  now: number;
  holdMs: number;
  /** How long a client (its session and its network) waits to hold a slot again; 0: no wait. */
  cooldownMs?: number;
};

export const MAX_SLOT_MS = 12 * 60 * 60 * 1000;
const MINUTE = 60_000;

export const stateOf = (snapshot: SnapshotFrom<TimeslotMachine>): SlotState => ({
  status: snapshot.value as SlotStatus,
  ...snapshot.context,
});

export const initialSlotState: SlotState = {
  status: 'unopened',
  slot: null,
  hold: null,
  booking: null,
  endedHolds: noEndedHolds,
};

const holdIsLive = (state: SlotState, now: number): boolean =>
  state.status === 'reserved' && state.hold !== null && now < state.hold.expiresAt;

const notFound = (): never => {
  throw new DomainError('slot_not_found', 'no such timeslot');
};

/** The hold that has run out but whose expiry is not yet in the log: expire it first. */
const expireLapsedHold = (state: SlotState, now: number): TimeslotEvent[] =>
  state.status === 'reserved' && state.hold !== null && now >= state.hold.expiresAt
    ? [
        {
          type: 'ReservationExpired',
          data: { holdId: state.hold.holdId, clientId: state.hold.clientId, expiredAt: isoTime(now) },
        },
      ]
    : [];

export const decide = (state: SlotState, command: SlotCommand, ctx: DecideContext): TimeslotEvent[] => {
  const { now } = ctx;
  if (command.type !== 'open' && state.status === 'unopened') return notFound();

  switch (command.type) {
    case 'open':
      return decideOpen(state, command, now);

    case 'reserve': {
      if (state.status === 'closed') throw new DomainError('slot_closed', 'this timeslot is closed');
      if ((state.slot?.startsAt ?? 0) <= now) {
        throw new DomainError('slot_in_past', 'this timeslot has already started');
      }
      if (holdIsLive(state, now)) {
        // Asking again for your own live hold returns it unchanged: holds are not renewable.
        if (state.hold?.clientId === command.clientId) return [];
        throw new DomainError('slot_taken', 'this timeslot is held by another client');
      }
      if (state.status === 'booked') throw new DomainError('slot_taken', 'this timeslot is booked');
      const wait = cooldownLeft(
        state.endedHolds,
        state.status === 'reserved' ? state.hold : null,
        command,
        now,
        ctx.cooldownMs ?? 0,
      );
      if (wait > 0) {
        throw new DomainError(
          'hold_cooldown',
          'holds cannot be renewed: this time was held from your session or your connection a moment ago; pick another or try again later',
          wait,
        );
      }
      return [
        ...expireLapsedHold(state, now),
        {
          type: 'TimeslotReserved',
          data: {
            holdId: command.holdId,
            clientId: command.clientId,
            reservedAt: isoTime(now),
            expiresAt: isoTime(now + ctx.holdMs),
            ...(command.network !== undefined && { network: command.network }),
          },
        },
      ];
    }

    case 'book': {
      if (state.status === 'booked' && state.booking?.clientId === command.clientId) {
        return []; // a retried confirmation: the booking already stands
      }
      const hold = ownHold(state, command.clientId, now);
      const customer = validateCustomer(command.customer);
      return [
        {
          type: 'TimeslotBooked',
          data: {
            bookingId: command.bookingId,
            holdId: hold.holdId,
            clientId: command.clientId,
            customer,
            bookedAt: isoTime(now),
            ...(hold.appointment !== undefined && { appointment: hold.appointment }),
          },
        },
      ];
    }

    case 'cancelHold': {
      const hold = ownHold(state, command.clientId, now);
      return [
        {
          type: 'ReservationCancelled',
          data: { holdId: hold.holdId, clientId: hold.clientId, cancelledAt: isoTime(now), by: 'client' },
        },
      ];
    }

    case 'expire':
      return state.hold?.holdId === command.holdId ? expireLapsedHold(state, now) : [];

    case 'close': {
      if (state.status === 'closed') return [];
      if (state.status === 'booked') {
        throw new DomainError('slot_booked', 'cancel the booking before closing this timeslot');
      }
      const reason = command.reason === undefined ? {} : { reason: command.reason };
      return [...endHold(state, now), { type: 'TimeslotClosed', data: { closedAt: isoTime(now), ...reason } }];
    }

    case 'endHold':
      return endHold(state, now);

    case 'reopen':
      if (state.status === 'available') return [];
      if (state.status !== 'closed') throw new DomainError('not_closed', 'this timeslot is not closed');
      return [{ type: 'TimeslotReopened', data: { reopenedAt: isoTime(now) } }];

    case 'cancelBooking': {
      const booking = state.status === 'booked' ? state.booking : null;
      if (booking === null || (command.bookingId !== undefined && command.bookingId !== booking.bookingId)) {
        throw new DomainError('not_booked', 'there is no such booking on this timeslot');
      }
      const reason = command.reason === undefined ? {} : { reason: command.reason };
      return [
        {
          type: 'BookingCancelled',
          data: { bookingId: booking.bookingId, cancelledAt: isoTime(now), by: command.by, ...reason },
        },
      ];
    }

    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
};

/** The owner ends the slot's hold: cancelled while live, expired once lapsed; nothing without one. */
const endHold = (state: SlotState, now: number): TimeslotEvent[] => {
  if (state.status !== 'reserved' || state.hold === null) return [];
  if (!holdIsLive(state, now)) return expireLapsedHold(state, now);
  const { holdId, clientId } = state.hold;
  return [{ type: 'ReservationCancelled', data: { holdId, clientId, cancelledAt: isoTime(now), by: 'owner' } }];
};

/** The caller's live hold on this slot, or the precise reason there is none. */
const ownHold = (state: SlotState, clientId: string, now: number) => {
  const hold = state.status === 'reserved' ? state.hold : null;
  if (hold === null) throw new DomainError('no_hold', 'you have no hold on this timeslot');
  if (hold.clientId !== clientId) throw new DomainError('not_your_hold', 'this timeslot is held by another client');
  if (now >= hold.expiresAt) throw new DomainError('hold_expired', 'your hold on this timeslot has expired');
  return hold;
};

const decideOpen = (
  state: SlotState,
  command: Extract<SlotCommand, { type: 'open' }>,
  now: number,
): TimeslotEvent[] => {
  const { slotId, stylist, startsAt, endsAt } = command;
  const name = stylist.trim();
  if (name === '' || name.length > 60 || stylistSlug(name) === '' || unprintable(name) !== undefined) {
    throw new DomainError('invalid_slot', 'stylist must be a name of 1–60 printable characters with a letter or digit');
  }
  if (!Number.isFinite(startsAt) || !Number.isFinite(endsAt) || startsAt % MINUTE !== 0 || endsAt % MINUTE !== 0) {
    throw new DomainError('invalid_slot', 'start and end must be whole minutes');
  }
  if (endsAt <= startsAt || endsAt - startsAt > MAX_SLOT_MS) {
    throw new DomainError('invalid_slot', 'end must be after start, and a slot at most 12 hours long');
  }
  if (slotId !== slotIdFor(name, startsAt)) {
    throw new DomainError('invalid_slot', 'slot id does not match its stylist and start');
  }
  if (state.slot !== null) {
    const same = state.slot.stylist === name && state.slot.endsAt === endsAt;
    if (same) return []; // opening the same slot again is a no-op
    throw new DomainError('slot_exists', 'a different timeslot already starts then for this stylist');
  }
  if (startsAt <= now) throw new DomainError('slot_in_past', 'cannot open a timeslot in the past');
  return [
    {
      type: 'TimeslotOpened',
      data: { slotId, stylist: name, startTime: isoTime(startsAt), endTime: isoTime(endsAt), openedAt: isoTime(now) },
    },
  ];
};
