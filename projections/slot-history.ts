import { type Actor, metadataOf, type RecordedEvent, toDomainEvent } from '../machines/index.js';
import { evolveSlot, holdIsLive, type SlotSummary } from './slot-summary.js';

// The owner's audit of one slot, folded on demand from its stream (the log is the
// history; keeping every event in memory would only copy it).

export type HistoryEntry = {
  revision: number;
  /** Global log position; absent where the log's stream read cannot say (EventStoreDB's index). */
  position?: number;
  type: string;
  at: string;
  who: Actor;
  requestId?: string;
  /** The hold or booking the event belongs to (its id, the same on every slot of an appointment). */
  appointment?: string;
  data: unknown;
};

/** The hold id or booking reference an event names, if any. */
const appointmentIdOf = (data: unknown): string | undefined => {
  if (typeof data !== 'object' || data === null) return undefined;
  const { bookingId, holdId } = data as { bookingId?: unknown; holdId?: unknown };
  // A booking names the hold it came from too: the booking is what it belongs to from then on.
  if (typeof bookingId === 'string') return bookingId;
  return typeof holdId === 'string' ? holdId : undefined;
};

export const slotHistory = (stream: readonly RecordedEvent[]): HistoryEntry[] =>
  stream.map((event) => {
    const meta = metadataOf(event);
    const appointment = appointmentIdOf(event.data);
    return {
      revision: event.revision,
      ...(event.position > 0 && { position: event.position }),
      type: event.type,
      at: event.recordedAt,
      who: meta.actor,
      ...(meta.requestId !== undefined && { requestId: meta.requestId }),
      ...(appointment !== undefined && { appointment }),
      data: event.data,
    };
  });

/**
 * The slot as it was at `at` (epoch ms): every event recorded by then, folded. A hold
 * whose deadline had passed by then counts as lapsed even if its expiry was logged later
 * (say, the server was down): a hold is a fact with a deadline.
 */
export const slotStateAt = (stream: readonly RecordedEvent[], at: number): SlotSummary | undefined => {
  let slot: SlotSummary | undefined;
  for (const event of stream) {
    if (Date.parse(event.recordedAt) > at) break;
    const domain = toDomainEvent(event);
    if (domain !== undefined) slot = evolveSlot(slot, domain, event.revision);
  }
  if (slot !== undefined && slot.status === 'reserved' && !holdIsLive(slot, at)) {
    return { ...slot, status: 'available', hold: null };
  }
  return slot;
};
