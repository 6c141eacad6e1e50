import {
  type AllStreamSubscription,
  ANY,
  type AppendStreamState,
  excludeSystemEvents,
  FORWARDS,
  type JSONType,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  type Position,
  type RecordedEvent,
  START,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import type { Logger } from 'pino';
import {
  createCommitAssembler,
  isAfter,
  metadataForAppend,
  type RawEvent,
  type RawPosition,
  readMetadata,
} from './eventstoredb-commits.js';
import { appendAcrossStreams, checkMultiStreamAppend, ServerTooOldError } from './eventstoredb-multi.js';
import {
  type AppendResult,
  checkWrites,
  type EventLog,
  type ExpectedRevision,
  type StoredEvent,
  type SubscribeOptions,
  type Subscription,
  VersionConflictError,
} from './port.js';

// KurrentDB (25.1 or later; EventStoreDB's successor) as the durable log, over its gRPC
// client. This file and its eventstoredb-* siblings are the only ones that know the client
// library. An append to one stream is the protocol's ordinary append; an append to several
// is KurrentDB's multi-stream append (eventstoredb-multi.ts), which older servers lack: the
// log checks for it when it is opened (checkServer). How whole commits and positions are
// read back is in eventstoredb-commits.ts. Reads of one stream come from the index, which may
// not carry the position: such events report 0 ("not known here").

export type EventStoreLogOptions = {
  /** e.g. `kurrentdb://localhost:2113?tls=false` (`esdb://` is read as the same). */
  connectionString: string;
  /**
   * Put in front of every stream name written and read, and only streams under it are
   * followed: several salons (or test runs) can share one cluster without seeing each other.
   */
  namespace?: string;
  logger?: Logger;
  /** First wait before a dropped subscription is re-established; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
};

export type EventStoreLog = EventLog & {
  /**
   * Resolves once the server has shown it takes multi-stream appends; rejects with a message
   * naming the version needed when it does not. Retries while the server cannot be reached.
   */
  checkServer(options?: { onUnreachable?: () => void }): Promise<void>;
};

// Positions are unsigned 64-bit; the server sends all ones for "not available".
const UNKNOWN_POSITION = 2n ** 63n;
const known = (position: Position | undefined): RawPosition | undefined =>
  position === undefined || position.commit >= UNKNOWN_POSITION ? undefined : position;

const readPositionOf = (position: number): Position | typeof START =>
  position <= 0 ? START : { commit: BigInt(position), prepare: BigInt(position) };

const streamStateOf = (expected: ExpectedRevision): AppendStreamState =>
  expected === 'any' ? ANY : expected === 'no_stream' ? NO_STREAM : BigInt(expected);

/** The client's name for the same server: `esdb` is its deprecated scheme (and warns). */
const clientConnectionString = (url: string): string => url.replace(/^esdb(\+discover)?:\/\//, 'kurrentdb$1://');

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export const createEventStoreLog = (options: EventStoreLogOptions): EventStoreLog => {
  const client = KurrentDBClient.connectionString(clientConnectionString(options.connectionString));
  const namespace = options.namespace ?? '';
  const logger = options.logger;
  const retryMs = options.retryMs ?? 200;
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  // Without a namespace we still skip the server's own ($-prefixed) events server-side.
  const filter = namespace === '' ? excludeSystemEvents() : streamNameFilter({ prefixes: [namespace] });
  const ours = (event: RecordedEvent): boolean =>
    !event.type.startsWith('$') && event.streamId.startsWith(namespace) && !event.streamId.startsWith('$');

  const rawOf = (event: RecordedEvent, position: RawPosition): RawEvent => ({
    streamId: event.streamId.slice(namespace.length),
    revision: Number(event.revision),
    rawPosition: position,
    type: event.type,
    data: event.data,
    rawMetadata: event.metadata,
    recordedAt: event.created.toISOString(),
  });

  let closed = false;
  /** Set once the server is known to lack multi-stream append: then this log is no use. */
  let tooOld: ServerTooOldError | undefined;
  const noteTooOld = (error: unknown): never => {
    if (error instanceof ServerTooOldError) tooOld ??= error;
    throw error;
  };
  const appendsInFlight = new Set<Promise<unknown>>();
  const subscriptions = new Set<() => void>();

  const append = async (
    streamId: string,
    events: readonly { type: string; data: unknown; metadata?: unknown }[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> => {
    try {
      const result = await client.appendToStream(
        namespace + streamId,
        events.map((event, i) =>
          jsonEvent({
            type: event.type,
            data: event.data as JSONType,
            metadata: metadataForAppend(event.metadata, i, events.length) as JSONType,
          }),
        ),
        { streamState: streamStateOf(expected) },
      );
      const position = known(result.position);
      return { nextRevision: Number(result.nextExpectedRevision), position: Number(position?.commit ?? 0n) };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        // `actualState` is a bigint, or "no_stream" when the stream is absent.
        const actual = error.actualState;
        throw new VersionConflictError(streamId, expected, typeof actual === 'bigint' ? Number(actual) : 'no_stream');
      }
      throw error;
    }
  };

  /** Up to `limit` of our events after `fromPosition`, whole commits only, paging through $all. */
  const readAll = async (fromPosition: number, limit: number): Promise<StoredEvent[]> => {
    const found: StoredEvent[] = [];
    const commits = createCommitAssembler();
    let after: RawPosition = { commit: BigInt(fromPosition), prepare: BigInt(fromPosition) };
    let from = readPositionOf(fromPosition);
    const pageSize = limit + 1; // a read from a position includes the event at it
    for (;;) {
      const page = client.readAll({ fromPosition: from, maxCount: pageSize, direction: FORWARDS });
      let seen = 0;
      for await (const resolved of page) {
        seen += 1;
        const event = resolved.event;
        const position = known(event?.position);
        if (event === undefined || position === undefined || !isAfter(position, after)) continue;
        after = position;
        if (!ours(event)) continue;
        const whole = commits.add(rawOf(event, position));
        // Never more than asked, unless one commit alone is more (it is never split).
        if (whole.length > 0 && found.length > 0 && found.length + whole.length > limit) return found;
        found.push(...whole);
        if (found.length >= limit) return found;
      }
      if (seen < pageSize) return found; // the end of the log (a write is visible whole or not at all)
      from = after;
    }
  };

  const subscribe = (subscribeOptions: SubscribeOptions): Subscription => {
    let position = subscribeOptions.fromPosition;
    let stopped = false;
    let current: AllStreamSubscription | undefined;
    let markCaughtUp: () => void = () => {};
    const caughtUp = new Promise<void>((resolve) => {
      markCaughtUp = resolve;
    });

    const close = (): void => {
      stopped = true;
      subscriptions.delete(close);
      markCaughtUp();
      void current?.unsubscribe().catch(() => undefined);
    };
    subscriptions.add(close);

    // One server subscription at a time; when it drops (server restart, network), a new one
    // starts after the last whole commit delivered, so nothing is skipped or repeated (a
    // commit half-read when it dropped is read again from its start).
    const run = async (): Promise<void> => {
      let wait = retryMs;
      while (!stopped) {
        const subscription = client.subscribeToAll({ fromPosition: readPositionOf(position), filter });
        current = subscription;
        const commits = createCommitAssembler();
        const after: RawPosition = { commit: BigInt(position), prepare: BigInt(position) };
        let consumed = 0;
        let caughtUpAt = Number.POSITIVE_INFINITY;
        // The server says "caught up" after the last historical event; that event may still
        // sit in the stream's buffer, so we are caught up once we have consumed up to it.
        subscription.on('caughtUp', () => {
          caughtUpAt = consumed + subscription.readableLength;
          if (consumed >= caughtUpAt) markCaughtUp();
        });
        try {
          for await (const resolved of subscription) {
            consumed += 1;
            const event = (resolved as { event?: RecordedEvent }).event;
            const at = known(event?.position);
            if (event !== undefined && at !== undefined && ours(event) && isAfter(at, after)) {
              for (const stored of commits.add(rawOf(event, at))) {
                if (stopped) return;
                try {
                  await subscribeOptions.onEvent(stored);
                } catch (error) {
                  // Our own consumer failed: that is not the connection's fault; hand it back.
                  close();
                  subscribeOptions.onError?.(error);
                  return;
                }
                if (stored.lastOfCommit === undefined || stored.lastOfCommit === stored.position) {
                  position = stored.position;
                }
              }
            }
            wait = retryMs;
            if (consumed >= caughtUpAt) markCaughtUp();
          }
          if (stopped) return;
          logger?.warn({ position }, 'KurrentDB subscription ended; resubscribing');
        } catch (error) {
          if (stopped) return;
          logger?.warn({ err: error, position, retryInMs: wait }, 'KurrentDB subscription dropped; resubscribing');
        }
        await delay(wait);
        wait = Math.min(wait * 2, maxRetryMs);
      }
    };
    void run();
    return { caughtUp, close };
  };

  const readStream = async (streamId: string): Promise<StoredEvent[]> => {
    const events: StoredEvent[] = [];
    try {
      for await (const resolved of client.readStream(namespace + streamId, { fromRevision: START })) {
        const event = resolved.event;
        if (event === undefined) continue;
        const { rawPosition: _position, rawMetadata, ...rest } = rawOf(event, { commit: 0n, prepare: 0n });
        events.push({ ...rest, position: 0, metadata: readMetadata(rawMetadata).metadata });
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  };

  const track = <T>(pending: Promise<T>): Promise<T> => {
    appendsInFlight.add(pending);
    const forget = () => appendsInFlight.delete(pending);
    pending.then(forget, forget);
    return pending;
  };

  const log: EventStoreLog = {
    kind: `kurrentdb (${options.connectionString.replace(/\/\/[^@/]*@/, '//***@')})`,

    append: (streamId, events, expected) => {
      if (closed) return Promise.reject(new Error('event log is closed'));
      if (tooOld !== undefined) return Promise.reject(tooOld);
      if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
      return track(append(streamId, events, expected));
    },

    // One stream is an ordinary append (a write of several events to it is marked as one
    // commit all the same); several go through KurrentDB's multi-stream append.
    appendMany: async (writes) => {
      if (closed) throw new Error('event log is closed');
      if (tooOld !== undefined) throw tooOld;
      checkWrites(writes);
      const [only, ...more] = writes;
      if (only !== undefined && more.length === 0) {
        const { nextRevision, position } = await log.append(only.streamId, only.events, only.expected);
        return { streams: [{ streamId: only.streamId, nextRevision }], position };
      }
      return track(appendAcrossStreams(client, namespace, writes, readStream).catch(noteTooOld));
    },

    readStream,

    readAll,

    subscribe,

    checkServer: (check) =>
      checkMultiStreamAppend(client, {
        logger,
        retryMs,
        maxRetryMs,
        isClosed: () => closed,
        ...(check?.onUnreachable !== undefined && { onUnreachable: check.onUnreachable }),
      }).catch(noteTooOld),

    failure: () => tooOld,

    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...appendsInFlight]);
      for (const close of [...subscriptions]) close();
      await client.dispose();
    },
  };
  return log;
};
