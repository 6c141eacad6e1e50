import { type AccessLink, type Account, noEndedHolds, type Service, type StaffSession } from '../machines/index.js';
import type { Availability } from './availability.js';
import type { BookingRecord, Bookings } from './bookings.js';
import { addToDayIndex } from './day-index.js';
import type { HoldOutcomes } from './hold-outcomes.js';
import type { ReadModels } from './read-models.js';
import { internStylist, type SlotSummary } from './slot-summary.js';

// The read models as plain data, so a restart can start from them and replay only the
// events after `position` instead of the whole log (a million events take ~13 s to fold;
// the snapshot of their models loads in ~1.6 s). A snapshot is a cache of the fold, never a
// source of truth: whoever loads one checks it was written by the same fold code over the
// same log (see src/snapshots), and otherwise replays from the start.
//
// Only what a fold cannot cheaply re-derive is kept: the day indexes, the booking's slot
// facts and the interned names are rebuilt here, in the order the fold would have built them.

export const SNAPSHOT_FORMAT = 6;

/** The log event the models were folded up to, to recognise that log again. */
export type SnapshotMark = { position: number; streamId: string; revision: number; recordedAt: string };

export type ReadModelsSnapshot = {
  format: typeof SNAPSHOT_FORMAT;
  /** Fingerprint of the code that folded these models; a different fold means a full replay. */
  fold: string;
  mark: SnapshotMark;
  /** In the availability model's own (first-opened) order. */
  slots: SlotSummary[];
  holdsByClient: Array<[clientId: string, slotIds: string[]]>;
  /** Held slotIds in the order the holds were taken. */
  heldInOrder: string[];
  /** In the order they were booked. */
  bookings: BookingRecord[];
  holdOutcomes: Array<[slotId: string, outcomes: HoldOutcomes]>;
  /** The catalogue: services in the order defined, and the stream's revision. */
  services: { list: Service[]; revision: number };
  /** Staff accounts, links and live sessions (hashes only, like the log), and the stream's revision. */
  accounts: { accounts: Account[]; links: AccessLink[]; sessions: StaffSession[]; revision: number };
};

export const encodeModels = (models: ReadModels, fold: string, mark: SnapshotMark): ReadModelsSnapshot => {
  if (mark.position !== models.position) {
    throw new Error(`snapshot mark at ${mark.position}, models at ${models.position}`);
  }
  const { availability, bookings, holdOutcomes } = models;
  return {
    format: SNAPSHOT_FORMAT,
    fold,
    mark,
    slots: [...availability.slots.values()],
    holdsByClient: [...availability.holdsByClient].map(([client, ids]) => [client, [...ids]]),
    heldInOrder: [...availability.heldInOrder],
    bookings: [...bookings.byId.values()],
    holdOutcomes: [...holdOutcomes],
    services: { list: [...models.services.byId.values()], revision: models.services.revision },
    accounts: {
      accounts: [...models.accounts.accounts.values()],
      links: [...models.accounts.links.values()],
      sessions: [...models.accounts.sessions.values()],
      revision: models.accounts.revision,
    },
  };
};

const decodeAvailability = (snapshot: ReadModelsSnapshot): Availability => {
  const availability: Availability = {
    slots: new Map(),
    byDay: new Map(),
    holdsByClient: new Map(),
    holdsByNetwork: new Map(),
    heldInOrder: new Set(snapshot.heldInOrder),
  };
  for (const slot of snapshot.slots) {
    // Most slots have no ended holds: they share the one empty list, as the fold leaves them.
    const endedHolds = slot.endedHolds.length === 0 ? noEndedHolds : slot.endedHolds;
    const summary: SlotSummary = { ...slot, stylist: internStylist(slot.stylist), endedHolds };
    availability.slots.set(summary.slotId, summary);
    addToDayIndex(availability.byDay, summary.startsAt, summary.slotId);
  }
  for (const [client, ids] of snapshot.holdsByClient) availability.holdsByClient.set(client, new Set(ids));
  // Which network holds what is on the held slots themselves (no order to keep).
  for (const slotId of availability.heldInOrder) {
    const network = availability.slots.get(slotId)?.hold?.network;
    if (network === undefined) continue;
    const held = availability.holdsByNetwork.get(network) ?? new Set<string>();
    availability.holdsByNetwork.set(network, held.add(slotId));
  }
  return availability;
};

const decodeBookings = (snapshot: ReadModelsSnapshot, availability: Availability): Bookings => {
  const bookings: Bookings = { byId: new Map(), byDay: new Map(), slotInfo: new Map() };
  // Every opened slot is in both models (the same TimeslotOpened fills both).
  for (const { slotId, stylist, startsAt, endsAt } of availability.slots.values()) {
    bookings.slotInfo.set(slotId, { stylist, startsAt, endsAt });
  }
  for (const record of snapshot.bookings) {
    const booking: BookingRecord = { ...record, stylist: internStylist(record.stylist) };
    bookings.byId.set(booking.bookingId, booking);
    addToDayIndex(bookings.byDay, booking.startsAt, booking.bookingId);
  }
  return bookings;
};

/** Read models equal to folding the log up to `snapshot.mark.position`. */
export const decodeModels = (snapshot: ReadModelsSnapshot): ReadModels => {
  const availability = decodeAvailability(snapshot);
  return {
    availability,
    bookings: decodeBookings(snapshot, availability),
    holdOutcomes: new Map(snapshot.holdOutcomes.map(([slotId, counts]) => [slotId, { ...counts }])),
    services: {
      byId: new Map(snapshot.services.list.map((s) => [s.serviceId, { ...s }])),
      revision: snapshot.services.revision,
    },
    accounts: {
      accounts: new Map(snapshot.accounts.accounts.map((a) => [a.accountId, { ...a }])),
      links: new Map(snapshot.accounts.links.map((l) => [l.linkId, { ...l }])),
      sessions: new Map(snapshot.accounts.sessions.map((s) => [s.sessionId, { ...s }])),
      sessionByToken: new Map(snapshot.accounts.sessions.map((s) => [s.tokenHash, s.sessionId])),
      revision: snapshot.accounts.revision,
    },
    position: snapshot.mark.position,
  };
};
