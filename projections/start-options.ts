import { DomainError, fitRun, MAX_RUN_SLOTS, type Service, stylistSlug } from '../machines/index.js';
import { type Availability, type SlotQuery, slotsBetween } from './availability.js';
import { holdIsLive, type SlotSummary } from './slot-summary.js';

// Where a service can start: runs of contiguous slots of one stylist who offers it. Read off
// the availability model, so a list shown to a client is as fresh as the last commit; the
// hold itself is decided again on the slots' actors (machines/appointment.ts).

/** Whether the stylist offers the service (null: every stylist does). */
export const offers = (service: Pick<Service, 'stylists'>, stylist: string): boolean =>
  service.stylists === null || service.stylists.some((s) => stylistSlug(s) === stylistSlug(stylist));

/** Slot length, for summing how much of a service a run covers. */
const lengthOf = (slot: SlotSummary): number => slot.endsAt - slot.startsAt;

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
  // One read of the stylist's slots over the span the run can reach, then a walk by start time.
  const need = service.durationMinutes * 60_000;
  const span = slotsBetween(model, { from: first.startsAt, to: first.startsAt + need, stylist: first.stylist });
  const byStart = new Map(span.filter((s) => s.stylist === first.stylist).map((s) => [s.startsAt, s]));
  return fitRun(first, need, (slot) => byStart.get(slot.endsAt));
};

const isFree = (slot: SlotSummary, now: number): boolean =>
  (slot.status === 'available' || (slot.status === 'reserved' && !holdIsLive(slot, now))) && slot.startsAt > now;

/**
 * Every start in the range at which the service fits on free slots, in time then stylist
 * order. One pass per stylist: a window over free contiguous slots that grows until it
 * covers the service and shrinks from the front as the start moves on (linear in the slots
 * read, whatever the service's length).
 */
export const startOptions = (model: Availability, query: SlotQuery, service: Service, now: number): SlotSummary[][] => {
  const need = service.durationMinutes * 60_000;
  // A run may reach past the range's end: read that far ahead for its later slots.
  const byStylist = new Map<string, SlotSummary[]>();
  for (const s of slotsBetween(model, { ...query, to: query.to + need })) {
    if (!offers(service, s.stylist) || !isFree(s, now)) continue;
    const own = byStylist.get(s.stylist);
    if (own === undefined) byStylist.set(s.stylist, [s]);
    else own.push(s);
  }
  const options: SlotSummary[][] = [];
  for (const slots of byStylist.values()) {
    let end = 0; // the window is slots[start, end), contiguous, covering `covered`
    let covered = 0;
    for (let start = 0; start < slots.length; start += 1) {
      const first = slots[start] as SlotSummary;
      if (first.startsAt >= query.to) break;
      if (end <= start) {
        end = start;
        covered = 0;
      }
      while (covered < need && end < slots.length) {
        const next = slots[end] as SlotSummary;
        if (end > start && next.startsAt !== (slots[end - 1] as SlotSummary).endsAt) break; // a gap
        covered += lengthOf(next);
        end += 1;
      }
      if (covered >= need && end - start <= MAX_RUN_SLOTS) options.push(slots.slice(start, end));
      covered -= lengthOf(first);
    }
  }
  return options.sort(
    (a, b) =>
      (a[0] as SlotSummary).startsAt - (b[0] as SlotSummary).startsAt ||
      (a[0] as SlotSummary).stylist.localeCompare((b[0] as SlotSummary).stylist),
  );
};
