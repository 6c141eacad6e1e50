import type { Availability } from './availability.js';
import { slotsBetween } from './availability.js';
import { holdIsLive } from './slot-summary.js';

// How much of a stylist's day is held right now: the share of the day's bookable slots
// (open, not started, not booked) that sit under a live hold. A few holds are people
// deciding; most of a day held at once is someone hoarding, and new holds get dearer.

export type HoldPressure = { held: number; bookable: number };

export const holdPressure = (
  model: Availability,
  day: { stylist: string; from: number; to: number },
  now: number,
): HoldPressure => {
  let held = 0;
  let bookable = 0;
  for (const slot of slotsBetween(model, day)) {
    if (slot.startsAt <= now || (slot.status !== 'available' && slot.status !== 'reserved')) continue;
    bookable += 1;
    if (holdIsLive(slot, now)) held += 1;
  }
  return { held, bookable };
};
