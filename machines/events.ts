// The facts a timeslot stream holds, one stream per slot (`timeslot-<id>`).
// Past tense, never edited: a changed shape gets a new schemaVersion and an upcaster.
// Times are ISO-8601 UTC strings so the log stays readable by a person auditing it.

export type Customer = {
  name: string;
  phone?: string;
  email?: string;
};

/**
 * The appointment a hold or booking belongs to: one service over a run of contiguous slots
 * of one stylist. Carried on every slot's TimeslotReserved and TimeslotBooked, so each
 * slot's own stream says which appointment it is part of and which slots are its siblings;
 * a plain one-slot hold (the seed's contract) has none.
 */
export type Appointment = {
  /** Every slot of the appointment, in time order (this one included). */
  slotIds: string[];
  startTime: string;
  endTime: string;
  /** The service as it was when held: a later change to the menu never changes it. */
  service?: { id: string; name: string; durationMinutes: number };
};

/**
 * Who caused an event: a client session; the salon through the API token (`owner`); a staff
 * account signed in to the console, named as it was then; or the system (an expiry).
 */
export type Actor =
  | { kind: 'client'; id: string }
  | { kind: 'owner' }
  | { kind: 'staff'; accountId: string; name: string; role: 'owner' | 'stylist' }
  | { kind: 'system'; reason: string };

export type TimeslotOpened = {
  type: 'TimeslotOpened';
  data: { slotId: string; stylist: string; startTime: string; endTime: string; openedAt: string };
};
export type TimeslotReserved = {
  type: 'TimeslotReserved';
  data: {
    holdId: string;
    clientId: string;
    reservedAt: string;
    expiresAt: string;
    /** A keyed hash of the holder's network (never the address): per-network caps and cool-downs. */
    network?: string;
    appointment?: Appointment;
  };
};
export type ReservationCancelled = {
  type: 'ReservationCancelled';
  data: { holdId: string; clientId: string; cancelledAt: string; by: 'client' | 'owner' };
};
export type ReservationExpired = {
  type: 'ReservationExpired';
  data: { holdId: string; clientId: string; expiredAt: string };
};
export type TimeslotBooked = {
  type: 'TimeslotBooked';
  data: {
    bookingId: string;
    holdId: string;
    clientId: string;
    customer: Customer;
    bookedAt: string;
    appointment?: Appointment;
  };
};
export type BookingCancelled = {
  type: 'BookingCancelled';
  data: { bookingId: string; cancelledAt: string; by: 'client' | 'owner'; reason?: string };
};
/**
 * A booking moved to another time (a reschedule): written on each of its old slots, in the
 * same append as BookingMovedIn on each new one, so the booking is never on both or neither.
 */
export type BookingMovedOut = {
  type: 'BookingMovedOut';
  data: { bookingId: string; movedAt: string; by: 'client' | 'owner'; to: Appointment };
};
/** The booking, moved here from `from`: same reference, customer and service. */
export type BookingMovedIn = {
  type: 'BookingMovedIn';
  data: {
    bookingId: string;
    holdId: string;
    clientId: string;
    customer: Customer;
    bookedAt: string;
    movedAt: string;
    by: 'client' | 'owner';
    from: Appointment;
    appointment: Appointment;
    /** The network of the hold it was made from, kept for the cool-down (see ended-holds.ts). */
    network?: string;
  };
};
export type TimeslotClosed = {
  type: 'TimeslotClosed';
  data: { closedAt: string; reason?: string };
};
export type TimeslotReopened = {
  type: 'TimeslotReopened';
  data: { reopenedAt: string };
};

export type TimeslotEvent =
  | TimeslotOpened
  | TimeslotReserved
  | ReservationCancelled
  | ReservationExpired
  | TimeslotBooked
  | BookingCancelled
  | BookingMovedOut
  | BookingMovedIn
  | TimeslotClosed
  | TimeslotReopened;

export type TimeslotEventType = TimeslotEvent['type'];

export const timeslotEventTypes: readonly TimeslotEventType[] = [
  'TimeslotOpened',
  'TimeslotReserved',
  'ReservationCancelled',
  'ReservationExpired',
  'TimeslotBooked',
  'BookingCancelled',
  'BookingMovedOut',
  'BookingMovedIn',
  'TimeslotClosed',
  'TimeslotReopened',
];

export const isTimeslotEventType = (type: string): type is TimeslotEventType =>
  (timeslotEventTypes as readonly string[]).includes(type);

/** Bumped when an event's data shape changes; readers upcast older versions. */
export const EVENT_SCHEMA_VERSION = 1;

export type EventMetadata = {
  schemaVersion: number;
  /** Who caused the event. */
  actor: Actor;
  /** The request or idempotency id that caused it, for tracing one request through the log. */
  requestId?: string;
};

export const streamPrefix = 'timeslot-';
export const streamIdOf = (slotId: string): string => `${streamPrefix}${slotId}`;
export const slotIdOfStream = (streamId: string): string | undefined =>
  streamId.startsWith(streamPrefix) ? streamId.slice(streamPrefix.length) : undefined;
