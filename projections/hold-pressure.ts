import type { Availability } from './availability.js';
import { slotsBetween } from './availability.js';
import { holdIsLive } from './slot-summary.js';

// How much of a stylist's day is being taken right now: the share of the day's open slots
// (not started, not closed) that sit under a live hold or were booked within the last hour.
// A few holds are people deciding; most of a day taken at once is someone hoarding, with
// holds or with bookings under made-up names, and new holds get dearer. Bookings made over
// days and weeks (an ordinarily busy Saturday) do not count: they are not pressure.

export type HoldPressure = { held: number; bookable: number };

/** How far back a booking still counts as pressure. */
export const RECENT_BOOKING_MS = 3_600_000;

export const holdPressure = (
  model: Availability,
  day: { stylist: string; from: number; to: number },
  now: number,
): HoldPressure => {
  let held = 0;
  let bookable = 0;
  for (const slot of slotsBetween(model, day)) {
    if (slot.startsAt <= now) continue;
    const recentBooking = slot.status === 'booked' && (slot.booking?.bookedAt ?? 0) > now - RECENT_BOOKING_MS;
    if (slot.status !== 'available' && slot.status !== 'reserved' && !recentBooking) continue;
    bookable += 1;
    if (recentBooking || holdIsLive(slot, now)) held += 1;
  }
  return { held, bookable };
};
