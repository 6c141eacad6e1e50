import type { TimeslotEvent } from '../machines/index.js';

// How each slot's holds ended — booked, released by the client (or the owner), or run
// out — for the owner's chart of where demand goes. Counts only: cheap for 100k slots.

export type HoldOutcomes = { booked: number; cancelled: number; expired: number };
export type HoldOutcomesBySlot = Map<string, HoldOutcomes>;

export const createHoldOutcomes = (): HoldOutcomesBySlot => new Map();

const KEY: Partial<Record<TimeslotEvent['type'], keyof HoldOutcomes>> = {
  TimeslotBooked: 'booked',
  ReservationCancelled: 'cancelled',
  ReservationExpired: 'expired',
};

export const applyToHoldOutcomes = (model: HoldOutcomesBySlot, slotId: string, event: TimeslotEvent): void => {
  const key = KEY[event.type];
  if (key === undefined) return;
  const counts = model.get(slotId) ?? { booked: 0, cancelled: 0, expired: 0 };
  counts[key] += 1;
  model.set(slotId, counts);
};

/** Totals over some slots. */
export const sumHoldOutcomes = (model: HoldOutcomesBySlot, slotIds: Iterable<string>): HoldOutcomes => {
  const total = { booked: 0, cancelled: 0, expired: 0 };
  for (const id of slotIds) {
    const counts = model.get(id);
    if (counts === undefined) continue;
    total.booked += counts.booked;
    total.cancelled += counts.cancelled;
    total.expired += counts.expired;
  }
  return total;
};
