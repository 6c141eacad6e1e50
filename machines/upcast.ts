import { type Actor, type EventMetadata, isTimeslotEventType, type TimeslotEvent } from './events.js';

// The one door through which stored events come back into the domain. Version 1 is the
// current shape; when a shape changes, the upcaster for the old version goes here, and
// nothing else in the code ever sees an old event.

/** An event as the log durably recorded it (the event-log port's `StoredEvent`). */
export type RecordedEvent = {
  streamId: string;
  /** 0-based position of the event within its stream. */
  revision: number;
  /**
   * Global, strictly increasing position in the whole log (not necessarily contiguous).
   * Always exact when delivered in log order; 0 from a one-stream read whose log cannot say.
   */
  position: number;
  type: string;
  data: unknown;
  metadata: unknown;
  /** When the log durably recorded the event (ISO-8601, the adapter's clock). */
  recordedAt: string;
  /**
   * Position of the last event written by the same append (one command's facts, one or
   * several streams): readers take a commit whole, never half of one. Absent: the event is
   * a commit of its own (single-event appends, and logs that cannot say).
   */
  lastOfCommit?: number;
};

/** Where the commit this event belongs to ends (its own position when it is alone). */
export const commitEndOf = (event: Pick<RecordedEvent, 'position' | 'lastOfCommit'>): number =>
  event.lastOfCommit ?? event.position;

export const toDomainEvent = (stored: Pick<RecordedEvent, 'type' | 'data'>): TimeslotEvent | undefined =>
  isTimeslotEventType(stored.type) ? ({ type: stored.type, data: stored.data } as TimeslotEvent) : undefined;

const isActor = (value: unknown): value is Actor => {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'client' || kind === 'owner' || kind === 'staff' || kind === 'system';
};

export const metadataOf = (stored: Pick<RecordedEvent, 'metadata'>): EventMetadata => {
  const raw = (typeof stored.metadata === 'object' && stored.metadata !== null ? stored.metadata : {}) as Record<
    string,
    unknown
  >;
  return {
    schemaVersion: typeof raw.schemaVersion === 'number' ? raw.schemaVersion : 1,
    actor: isActor(raw.actor) ? raw.actor : { kind: 'system', reason: 'unknown' },
    ...(typeof raw.requestId === 'string' && { requestId: raw.requestId }),
  };
};
