import { stylistSlug, type TimeslotEvent } from '../machines/index.js';
import { addToDayIndex, type DayIndex, idsBetween } from './day-index.js';
import { evolveSlot, holdIsLive, type SlotSummary } from './slot-summary.js';

// Public availability: every slot's current summary, by day, plus who holds what.
// Applied in log order, live and at rebuild alike. It updates in place because it is
// rebuilt from a million events at start-up; it never does I/O and never reads a clock.

export type Availability = {
  slots: Map<string, SlotSummary>;
  byDay: DayIndex;
  /** clientId → slotIds the client holds (holds may have lapsed; check the deadline). */
  holdsByClient: Map<string, Set<string>>;
  /** network (a keyed hash, when the hold was taken over HTTP) → slotIds held from it. */
  holdsByNetwork: Map<string, Set<string>>;
  /**
   * slotIds with a hold, in the order those holds were taken. A restart re-arms (or
   * expires) holds in this order, so holds with the same deadline lapse in the same order
   * as they would have in a process that never stopped; `reservedAt` alone ties.
   */
  heldInOrder: Set<string>;
};

export const createAvailability = (): Availability => ({
  slots: new Map(),
  byDay: new Map(),
  holdsByClient: new Map(),
  holdsByNetwork: new Map(),
  heldInOrder: new Set(),
});

const removeFromIndex = (index: Map<string, Set<string>>, key: string | undefined, slotId: string): void => {
  if (key === undefined) return;
  const held = index.get(key);
  held?.delete(slotId);
  if (held?.size === 0) index.delete(key);
};

const addToIndex = (index: Map<string, Set<string>>, key: string | undefined, slotId: string): void => {
  if (key === undefined) return;
  const held = index.get(key) ?? new Set<string>();
  held.add(slotId);
  index.set(key, held);
};

export const applyToAvailability = (
  model: Availability,
  slotId: string,
  event: TimeslotEvent,
  revision: number,
): void => {
  const before = model.slots.get(slotId);
  const after = evolveSlot(before, event, revision);
  if (after === undefined) return;
  if (before === undefined) {
    // Keyed and indexed by the summary's own id string, not the caller's (a slice of the
    // stream name that would keep the whole name alive): 100k slots, one string each.
    model.slots.set(after.slotId, after);
    addToDayIndex(model.byDay, after.startsAt, after.slotId);
  } else model.slots.set(slotId, after);
  if (before?.hold && before.hold.holdId !== after.hold?.holdId) {
    removeFromIndex(model.holdsByClient, before.hold.clientId, slotId);
    removeFromIndex(model.holdsByNetwork, before.hold.network, slotId);
    model.heldInOrder.delete(slotId);
  }
  if (after.hold && after.hold.holdId !== before?.hold?.holdId) {
    addToIndex(model.holdsByClient, after.hold.clientId, slotId);
    addToIndex(model.holdsByNetwork, after.hold.network, slotId);
    model.heldInOrder.add(slotId);
  }
};

export type SlotQuery = {
  from: number;
  to: number;
  /** A stylist's name or slug; matched on the slug so "Zoë" finds "zoe". */
  stylist?: string;
};

export const slotsBetween = (model: Availability, query: SlotQuery): SlotSummary[] => {
  const wanted = query.stylist === undefined ? undefined : stylistSlug(query.stylist);
  const out: SlotSummary[] = [];
  for (const id of idsBetween(model.byDay, query.from, query.to)) {
    const slot = model.slots.get(id);
    if (slot === undefined || slot.startsAt < query.from || slot.startsAt >= query.to) continue;
    if (wanted !== undefined && stylistSlug(slot.stylist) !== wanted) continue;
    out.push(slot);
  }
  return out.sort((a, b) => a.startsAt - b.startsAt || a.stylist.localeCompare(b.stylist));
};

/** Slots a client holds right now (deadline not passed). */
export const liveHoldsOf = (model: Availability, clientId: string, now: number): SlotSummary[] =>
  liveHoldsIn(model, model.holdsByClient, clientId, now);

/** Slots held from a network right now. */
export const liveHoldsOfNetwork = (model: Availability, network: string, now: number): SlotSummary[] =>
  liveHoldsIn(model, model.holdsByNetwork, network, now);

const liveHoldsIn = (model: Availability, index: Map<string, Set<string>>, key: string, now: number): SlotSummary[] => {
  const out: SlotSummary[] = [];
  for (const id of index.get(key) ?? []) {
    const slot = model.slots.get(id);
    if (slot !== undefined && holdIsLive(slot, now)) out.push(slot);
  }
  return out;
};

/** Every slot with a hold in the log, lapsed or not, in the order the holds were taken. */
export const heldSlots = (model: Availability): SlotSummary[] => {
  const out: SlotSummary[] = [];
  for (const id of model.heldInOrder) {
    const slot = model.slots.get(id);
    if (slot?.hold) out.push(slot);
  }
  return out;
};

/** The same stylist's slots that overlap [startsAt, endsAt), other than `exceptId`. */
export const overlapping = (
  model: Availability,
  stylist: string,
  startsAt: number,
  endsAt: number,
  exceptId: string,
): SlotSummary[] => {
  // A slot is at most 12 hours long, so anything overlapping starts within 12 hours before.
  const candidates = slotsBetween(model, { from: startsAt - 12 * 3_600_000, to: endsAt, stylist });
  return candidates.filter((s) => s.slotId !== exceptId && s.startsAt < endsAt && startsAt < s.endsAt);
};
