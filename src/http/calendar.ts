import { createEvent, type DateArray } from 'ics';
import type { BookingRecord } from '../../projections/index.js';

// A calendar invite for a booking (RFC 5545). The UID is stable per booking and SEQUENCE
// grows with every change (each move, then a cancellation), so importing a later version
// replaces the earlier one in the client's calendar.

const utcParts = (ms: number): DateArray => {
  const d = new Date(ms);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()];
};

export const bookingInvite = (booking: BookingRecord, salonName: string): string => {
  const cancelled = booking.status === 'cancelled';
  const { error, value } = createEvent({
    uid: `${booking.bookingId}@holdfast`,
    title: `${salonName}: ${booking.service?.name ?? 'appointment'} with ${booking.stylist}`,
    description: `Booking reference ${booking.bookingId}`,
    start: utcParts(booking.startsAt),
    startInputType: 'utc',
    startOutputType: 'utc',
    end: utcParts(booking.endsAt),
    endInputType: 'utc',
    endOutputType: 'utc',
    status: cancelled ? 'CANCELLED' : 'CONFIRMED',
    sequence: booking.moves + (cancelled ? 1 : 0),
    productId: 'holdfast',
    calName: salonName,
  });
  if (error || value === undefined || value === null) throw error ?? new Error('could not build the calendar invite');
  return value;
};
