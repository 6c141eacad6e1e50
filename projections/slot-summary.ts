import {
  type Appointment,
  type EndedHold,
  endedHoldsAfter,
  type Hold,
  initialSlotState,
  noEndedHolds,
  type SlotState,
  type TimeslotEvent,
} from '../machines/index.js';

// A slot as readers see it: small, plain, cheap to keep for 100k slots. One fold serves
// the live availability model and "the slot as it was at instant t" for the owner.

export type SlotSummary = {
  slotId: string;
  stylist: string;
  startsAt: number;
  endsAt: number;
  status: 'available' | 'reserved' | 'booked' | 'closed';
  /** The hold as the slot's actor keeps it (machines/timeslot.machine.ts). */
  hold: Hold | null;
  booking: {
    bookingId: string;
    clientId: string;
    bookedAt: number;
    network?: string;
    appointment?: Appointment;
  } | null;
  /** Whose holds ended lately (the cool-down), as the slot's actor keeps them. */
  endedHolds: readonly EndedHold[];
  /** Revision of the last event folded in: a version readers can compare. */
  revision: number;
};

const ms = (iso: string): number => Date.parse(iso);

// A salon has a handful of stylists and a hundred thousand slots: every parsed event brings
// its own copy of the name, so keep one. Bounded, in case names come from a hostile log.
const stylists = new Map<string, string>();
export const internStylist = (name: string): string => {
  const known = stylists.get(name);
  if (known !== undefined) return known;
  if (stylists.size < 10_000) stylists.set(name, name);
  return name;
};

/** Folds one event into a slot; `undefined` until the slot is opened. */
export const evolveSlot = (
  slot: SlotSummary | undefined,
  event: TimeslotEvent,
  revision: number,
): SlotSummary | undefined => {
  if (event.type === 'TimeslotOpened') {
    const { slotId, stylist, startTime, endTime } = event.data;
    return {
      slotId,
      stylist: internStylist(stylist),
      startsAt: ms(startTime),
      endsAt: ms(endTime),
      status: 'available',
      hold: null,
      booking: null,
      endedHolds: noEndedHolds,
      revision,
    };
  }
  if (slot === undefined) return undefined;
  // As the machine does (timeslot.machine.ts): whose holds ended, for the cool-down.
  const next = { ...slot, revision, endedHolds: endedHoldsAfter(slot, event) };
  switch (event.type) {
    case 'TimeslotReserved': {
      const { holdId, clientId, reservedAt, expiresAt, network, appointment } = event.data;
      return {
        ...next,
        status: 'reserved',
        hold: {
          holdId,
          clientId,
          reservedAt: ms(reservedAt),
          expiresAt: ms(expiresAt),
          ...(network !== undefined && { network }),
          ...(appointment !== undefined && { appointment }),
        },
      };
    }
    case 'ReservationCancelled':
    case 'ReservationExpired':
      return { ...next, status: 'available', hold: null };
    case 'TimeslotBooked': {
      const { bookingId, clientId, bookedAt, appointment } = event.data;
      const network = slot.hold?.network;
      const booking = {
        bookingId,
        clientId,
        bookedAt: ms(bookedAt),
        ...(network !== undefined && { network }),
        ...(appointment !== undefined && { appointment }),
      };
      return { ...next, status: 'booked', hold: null, booking };
    }
    case 'BookingCancelled':
    case 'BookingMovedOut':
      return { ...next, status: 'available', booking: null };
    case 'BookingMovedIn': {
      const { bookingId, clientId, bookedAt, appointment, network } = event.data;
      const booking = {
        bookingId,
        clientId,
        bookedAt: ms(bookedAt),
        appointment,
        ...(network !== undefined && { network }),
      };
      return { ...next, status: 'booked', booking };
    }
    case 'TimeslotClosed':
      return { ...next, status: 'closed' };
    case 'TimeslotReopened':
      return { ...next, status: 'available' };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
};

/** A hold is a fact with a deadline: past it, the slot is free whether or not the expiry is logged yet. */
export const holdIsLive = (slot: SlotSummary, now: number): boolean =>
  slot.status === 'reserved' && slot.hold !== null && now < slot.hold.expiresAt;

/**
 * The write model's state of a slot, read off its summary, where the summary holds all of
 * it: an unknown slot (unopened), or one available or closed (no hold, no booking). A held
 * or booked slot's state has more than readers keep (the hold's timer, the customer), so
 * that comes from its stream: `undefined`.
 */
export const writeStateOf = (slot: SlotSummary | undefined): { state: SlotState; revision: number } | undefined => {
  if (slot === undefined) return { state: initialSlotState, revision: -1 };
  if (slot.status !== 'available' && slot.status !== 'closed') return undefined;
  const { slotId, stylist, startsAt, endsAt, status, revision, endedHolds } = slot;
  return {
    state: { status, slot: { slotId, stylist, startsAt, endsAt }, hold: null, booking: null, endedHolds },
    revision,
  };
};
