import type { RecordedEvent } from '../../machines/upcast.js';

// The event log port: the only thing the engine knows about durability. Adapters
// (sqlite, memory, eventstoredb) translate their own errors, revisions and positions
// into these shapes at the boundary.

export type NewEvent = {
  type: string;
  data: unknown;
  metadata?: unknown;
};

export type StoredEvent = RecordedEvent;

/**
 * `no_stream`: the stream must not exist yet. A number: the revision of the stream's last
 * event (what `readStream` last returned). `any`: no check (only for tools, never commands).
 */
export type ExpectedRevision = 'no_stream' | 'any' | number;

export type AppendResult = {
  /** Revision of the last event appended. */
  nextRevision: number;
  /** Global position of the last event appended. */
  position: number;
};

/** One stream's part of an append across several streams. */
export type StreamWrite = { streamId: string; events: readonly NewEvent[]; expected: ExpectedRevision };

export type MultiAppendResult = {
  /** Each stream's new last revision, in the order the writes were given. */
  streams: Array<{ streamId: string; nextRevision: number }>;
  /** Global position of the last event appended (the commit's end). */
  position: number;
};

export type Conflict = { streamId: string; expected: ExpectedRevision; actual: number | 'no_stream' };

/** A stream (or several, for an append across streams) was not at the revision expected. */
export class VersionConflictError extends Error {
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  /** `'no_stream'` when the stream does not exist. */
  readonly actual: number | 'no_stream';
  /** Every stream that was not where it was expected (the first is also in the fields above). */
  readonly conflicts: readonly Conflict[];
  constructor(streamId: string, expected: ExpectedRevision, actual: number | 'no_stream', more: Conflict[] = []) {
    const all = [{ streamId, expected, actual }, ...more];
    super(
      all
        .map((c) => `stream ${c.streamId}: expected revision ${String(c.expected)}, actual ${String(c.actual)}`)
        .join('; '),
    );
    this.name = 'VersionConflictError';
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
    this.conflicts = all;
  }
}

/** The conflict naming every stream in `conflicts` (at least one). */
export const conflictOf = (conflicts: readonly Conflict[]): VersionConflictError => {
  const [first, ...rest] = conflicts;
  if (first === undefined) throw new Error('conflictOf needs a conflict');
  return new VersionConflictError(first.streamId, first.expected, first.actual, rest);
};

export const isVersionConflict = (error: unknown): error is VersionConflictError =>
  error instanceof VersionConflictError;

export type Subscription = {
  /** Resolves once the subscription has delivered everything committed when it started. */
  caughtUp: Promise<void>;
  close(): void;
};

export type SubscribeOptions = {
  /** Deliver events with a position strictly greater than this (0 = from the start). */
  fromPosition: number;
  /** Called in log order, one event at a time; a returned promise is awaited. */
  onEvent(event: StoredEvent): void | Promise<void>;
  onError?(error: unknown): void;
};

export interface EventLog {
  /** Which adapter this is, for the start-up log line. */
  readonly kind: string;
  /** Appends atomically if the stream is at `expected`; otherwise throws VersionConflictError. */
  append(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Appends to several streams in one atomic write, each at its own expected revision: all
   * land or none does. A conflict on any stream refuses the whole write and writes nothing;
   * the VersionConflictError names every stream that conflicted. Readers (followers, read
   * models) see the write as one commit (`lastOfCommit`). One stream may appear only once.
   */
  appendMany(writes: readonly StreamWrite[]): Promise<MultiAppendResult>;
  /**
   * The whole stream in revision order; `[]` when it does not exist. An event's `position`
   * is 0 here when the log cannot say (EventStoreDB reads one stream from its index).
   */
  readStream(streamId: string): Promise<StoredEvent[]>;
  /**
   * Revision of the stream's last event (-1: no stream), when the adapter can tell without
   * reading the whole stream. Optional: `streamHead` falls back to `readStream`.
   */
  headRevision?(streamId: string): Promise<number>;
  /**
   * A mark that moves whenever a writer other than this instance commits (another process
   * on the same SQLite file, another log on a shared memory store), read without I/O worth
   * the name. While it stays put, what this instance wrote and read is the whole log.
   * Optional: without it, callers must assume others may write at any moment.
   */
  foreignWriteMark?(): number;
  /**
   * Why the log takes no more appends until the process restarts (SQLite: a failed WAL
   * sync), or undefined while it is sound. Optional: adapters without such a state omit it.
   */
  failure?(): Error | undefined;
  /**
   * Why the log's server cannot be reached right now (a lost connection, a restarting
   * server), or undefined while it can; unlike `failure` this passes when the server is back.
   * Optional: adapters that cannot tell omit it (their appends fail meanwhile all the same).
   */
  outage?(): Error | undefined;
  /** Up to `limit` events after `fromPosition`, in log order. */
  readAll(fromPosition: number, limit: number): Promise<StoredEvent[]>;
  /** Catch up from a position, then follow new events — including other processes' appends. */
  subscribe(options: SubscribeOptions): Subscription;
  /** Finishes pending appends, then releases the log. */
  close(): Promise<void>;
}

/** Refuses a write no adapter should take: nothing to write, an empty stream part, a stream twice. */
export const checkWrites = (writes: readonly StreamWrite[]): void => {
  if (writes.length === 0) throw new Error('append needs at least one stream');
  if (writes.length === 1) {
    // The common case (one command, one slot) without a Set per append.
    if (writes[0]?.events.length === 0) throw new Error(`append to ${writes[0].streamId} needs at least one event`);
    return;
  }
  const seen = new Set<string>();
  for (const w of writes) {
    if (w.events.length === 0) throw new Error(`append to ${w.streamId} needs at least one event`);
    if (seen.has(w.streamId)) throw new Error(`append names stream ${w.streamId} twice`);
    seen.add(w.streamId);
  }
};

/** `append` for one stream, as an append across streams of one. */
export const appendOneVia = async (
  appendMany: EventLog['appendMany'],
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
): Promise<AppendResult> => {
  const { streams, position } = await appendMany([{ streamId, events, expected }]);
  return { nextRevision: streams[0]?.nextRevision ?? -1, position };
};

/** Expected revision a stream of `revision` (its last event's, -1 if empty) must match. */
export const expectedFor = (revision: number): ExpectedRevision => (revision < 0 ? 'no_stream' : revision);

/** Whether a stream whose last event is at `actual` (-1: none) satisfies `expected`. */
export const revisionMatches = (expected: ExpectedRevision, actual: number): boolean =>
  expected === 'any' || (expected === 'no_stream' ? actual < 0 : expected === actual);

/** Revision of a stream's last event (-1: none), as cheaply as the adapter allows. */
export const streamHead = async (log: EventLog, streamId: string): Promise<number> =>
  log.headRevision !== undefined
    ? log.headRevision(streamId)
    : ((await log.readStream(streamId)).at(-1)?.revision ?? -1);

/** Every event in the log, in log order, read page by page (verification and tests). */
export const readWholeLog = async (log: Pick<EventLog, 'readAll'>, pageSize = 1_000): Promise<StoredEvent[]> => {
  const all: StoredEvent[] = [];
  for (;;) {
    const page = await log.readAll(all.at(-1)?.position ?? 0, pageSize);
    all.push(...page);
    if (page.length < pageSize) return all;
  }
};
