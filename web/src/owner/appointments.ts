import type { OwnerSlot } from './ownerApi.ts';

// The day board draws an appointment as one block: a stylist's slots, in time order, that
// carry the same live hold or booking become one group; every other slot is a group of one.

/** The appointment a slot belongs to now (its booking, or its hold while it runs), if any. */
export const appointmentOf = (slot: OwnerSlot, now: number): string | undefined => {
  if (slot.booking) return `booking:${slot.booking.reference}`;
  if (slot.status === 'reserved' && slot.hold && Date.parse(slot.hold.expires_at) > now) return `hold:${slot.hold.id}`;
  return undefined;
};

/** A column's slots (sorted by start) as blocks: each appointment's slots together. */
export const groupByAppointment = (column: OwnerSlot[], now: number): OwnerSlot[][] => {
  const groups: OwnerSlot[][] = [];
  let lastKey: string | undefined;
  for (const slot of column) {
    const key = appointmentOf(slot, now);
    const last = groups[groups.length - 1];
    if (key !== undefined && key === lastKey && last !== undefined) last.push(slot);
    else groups.push([slot]);
    lastKey = key;
  }
  return groups;
};
