import { DomainError, fitRun, type Service, stylistSlug } from '../machines/index.js';
import { type Availability, type SlotQuery, slotsBetween } from './availability.js';
import { holdIsLive, type SlotSummary } from './slot-summary.js';

// Where a service can start: runs of contiguous slots of one stylist who offers it. Read off
// the availability model, so a list shown to a client is as fresh as the last commit; the
// hold itself is decided again on the slots' actors (machines/appointment.ts).

/** Whether the stylist offers the service (null: every stylist does). */
export const offers = (service: Pick<Service, 'stylists'>, stylist: string): boolean =>
  service.stylists === null || service.stylists.some((s) => stylistSlug(s) === stylistSlug(stylist));

/** The stylist's slot that starts when `slot` ends, if there is one. */
const nextOf =
  (model: Availability) =>
  (slot: SlotSummary): SlotSummary | undefined =>
    slotsBetween(model, { from: slot.endsAt, to: slot.endsAt + 1, stylist: slot.stylist }).find(
      (s) => s.stylist === slot.stylist && s.startsAt === slot.endsAt,
    );

/**
 * The run of slots the service needs from `slotId` (its first), whatever their state: the
 * hold decides whether they are free. Refuses a stylist who does not offer the service, a
 * gap, or the end of the stylist's day (`service_does_not_fit`), an unknown slot (404).
 */
export const runFrom = (model: Availability, slotId: string, service: Service): SlotSummary[] => {
  const first = model.slots.get(slotId);
  if (first === undefined) throw new DomainError('slot_not_found', 'no such timeslot');
  if (!offers(service, first.stylist)) {
    throw new DomainError('service_does_not_fit', `${first.stylist} does not offer ${service.name}`);
  }
  return fitRun(first, service.durationMinutes * 60_000, nextOf(model));
};

const isFree = (slot: SlotSummary, now: number): boolean =>
  (slot.status === 'available' || (slot.status === 'reserved' && !holdIsLive(slot, now))) && slot.startsAt > now;

/** Every start in the range at which the service fits on free slots, in time then stylist order. */
export const startOptions = (model: Availability, query: SlotQuery, service: Service, now: number): SlotSummary[][] => {
  // A run may reach past the range's end: look that far ahead for its later slots.
  const reach = service.durationMinutes * 60_000;
  const free = new Map<string, SlotSummary>(); // stylist + start → free slot
  const key = (stylist: string, at: number): string => `${stylist}\u0000${at}`;
  const candidates = slotsBetween(model, { ...query, to: query.to + reach }).filter(
    (s) => offers(service, s.stylist) && isFree(s, now),
  );
  for (const s of candidates) free.set(key(s.stylist, s.startsAt), s);
  const options: SlotSummary[][] = [];
  for (const first of candidates) {
    if (first.startsAt >= query.to) break;
    try {
      options.push(fitRun(first, reach, (slot) => free.get(key(slot.stylist, slot.endsAt))));
    } catch {
      // does not fit from here: a gap, a taken slot or the end of the day
    }
  }
  return options;
};
