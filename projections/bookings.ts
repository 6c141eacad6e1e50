import type { Appointment, Customer, TimeslotEvent } from '../machines/index.js';
import { addToDayIndex, type DayIndex, idsBetween, removeFromDayIndex } from './day-index.js';
import { internStylist } from './slot-summary.js';

// The owner's view of bookings, cancelled ones included (an owner wants to see that a
// client cancelled). Holds customer details, so only owner routes and the booking's own
// client ever read from it.

export type BookingRecord = {
  bookingId: string;
  /** The appointment's first slot. */
  slotId: string;
  /** Every slot it covers, in time order (one for a one-slot booking). */
  slotIds: string[];
  service?: Appointment['service'];
  stylist: string;
  startsAt: number;
  endsAt: number;
  clientId: string;
  customer: Customer;
  bookedAt: number;
  status: 'confirmed' | 'cancelled';
  /** How many times it was moved to another time (the calendar invite's SEQUENCE counts them). */
  moves: number;
  cancelledAt?: number;
  cancelledBy?: 'client' | 'owner';
  cancelReason?: string;
  /** When it was last moved. */
  movedAt?: number;
};

export type Bookings = {
  byId: Map<string, BookingRecord>;
  byDay: DayIndex;
  /** The slot facts a booking needs, kept from TimeslotOpened. */
  slotInfo: Map<string, { stylist: string; startsAt: number; endsAt: number }>;
};

export const createBookings = (): Bookings => ({ byId: new Map(), byDay: new Map(), slotInfo: new Map() });

export const applyToBookings = (model: Bookings, slotId: string, event: TimeslotEvent): void => {
  switch (event.type) {
    case 'TimeslotOpened':
      // Keyed by the event's own id string (the same one the availability model keeps), not
      // by `slotId`, a slice that would keep the whole stream name alive for every slot.
      model.slotInfo.set(event.data.slotId === slotId ? event.data.slotId : slotId, {
        stylist: internStylist(event.data.stylist),
        startsAt: Date.parse(event.data.startTime),
        endsAt: Date.parse(event.data.endTime),
      });
      return;
    case 'TimeslotBooked': {
      const { bookingId, clientId, customer, bookedAt, appointment } = event.data;
      // An appointment is booked on each of its slots in one commit: one record, made once.
      if (model.byId.get(bookingId)?.status === 'confirmed') return;
      const first = appointment?.slotIds[0] ?? slotId;
      const slot = model.slotInfo.get(first);
      if (slot === undefined) return;
      model.byId.set(bookingId, {
        bookingId,
        slotId: first,
        slotIds: appointment?.slotIds ?? [first],
        ...(appointment?.service !== undefined && { service: appointment.service }),
        stylist: slot.stylist,
        startsAt: appointment === undefined ? slot.startsAt : Date.parse(appointment.startTime),
        endsAt: appointment === undefined ? slot.endsAt : Date.parse(appointment.endTime),
        clientId,
        customer,
        bookedAt: Date.parse(bookedAt),
        status: 'confirmed',
        moves: 0,
      });
      addToDayIndex(model.byDay, slot.startsAt, bookingId);
      return;
    }
    case 'BookingMovedIn': {
      // On each new slot, in one commit: the first one moves the record, the rest find it moved.
      const booking = model.byId.get(event.data.bookingId);
      const { appointment, movedAt } = event.data;
      const first = model.slotInfo.get(appointment.slotIds[0] ?? slotId);
      if (booking === undefined || first === undefined || booking.slotId === appointment.slotIds[0]) return;
      const startsAt = Date.parse(appointment.startTime);
      model.byId.set(booking.bookingId, {
        ...booking,
        slotId: appointment.slotIds[0] ?? slotId,
        slotIds: appointment.slotIds,
        stylist: first.stylist,
        startsAt,
        endsAt: Date.parse(appointment.endTime),
        moves: booking.moves + 1,
        movedAt: Date.parse(movedAt),
      });
      // Filed under its new day only, as a replay from a snapshot would file it.
      removeFromDayIndex(model.byDay, booking.startsAt, booking.bookingId);
      addToDayIndex(model.byDay, startsAt, booking.bookingId);
      return;
    }
    case 'BookingCancelled': {
      const booking = model.byId.get(event.data.bookingId);
      if (booking === undefined || booking.status === 'cancelled') return;
      model.byId.set(booking.bookingId, {
        ...booking,
        status: 'cancelled',
        cancelledAt: Date.parse(event.data.cancelledAt),
        cancelledBy: event.data.by,
        ...(event.data.reason !== undefined && { cancelReason: event.data.reason }),
      });
      return;
    }
    default:
      return;
  }
};

export const bookingsBetween = (model: Bookings, from: number, to: number): BookingRecord[] =>
  idsBetween(model.byDay, from, to)
    .map((id) => model.byId.get(id))
    .filter((b): b is BookingRecord => b !== undefined && b.startsAt >= from && b.startsAt < to)
    .sort((a, b) => a.startsAt - b.startsAt || a.stylist.localeCompare(b.stylist));
