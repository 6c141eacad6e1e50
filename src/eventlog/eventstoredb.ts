import {
  type AllStreamSubscription,
  ANY,
  type AppendExpectedRevision,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  type JSONType,
  jsonEvent,
  NO_STREAM,
  type Position,
  type RecordedEvent,
  START,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import type { Logger } from 'pino';
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

// EventStoreDB (or KurrentDB) as the durable log, over its gRPC client. This is the only
// file that knows the client library: a move to @kurrent/kurrentdb-client changes imports
// and names here and nowhere else.
//
// Positions: the port's global position is the event's commit position in $all. For the
// appends we make (one stream per append, no explicit transactions) every event has its
// own commit position, equal to its prepare position and strictly increasing in $all
// order; so a number is enough to resume from, and a resumed subscription starts
// exactly after it. Reads of one stream come from the index, which may not carry the
// position: such events report 0 ("not known here").

export type EventStoreLogOptions = {
  /** e.g. `esdb://localhost:2113?tls=false` */
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

// Commit positions are unsigned 64-bit; the server sends all ones for "not available".
const UNKNOWN_POSITION = 2n ** 63n;
const numberOf = (position: Position | undefined): number =>
  position === undefined || position.commit >= UNKNOWN_POSITION ? 0 : Number(position.commit);

const readPositionOf = (position: number): Position | typeof START =>
  position <= 0 ? START : { commit: BigInt(position), prepare: BigInt(position) };

const expectedOf = (expected: ExpectedRevision): AppendExpectedRevision =>
  expected === 'any' ? ANY : expected === 'no_stream' ? NO_STREAM : BigInt(expected);

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export const createEventStoreLog = (options: EventStoreLogOptions): EventLog => {
  const client = EventStoreDBClient.connectionString(options.connectionString);
  const namespace = options.namespace ?? '';
  const logger = options.logger;
  const retryMs = options.retryMs ?? 200;
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  // Without a namespace we still skip the server's own ($-prefixed) events server-side.
  const filter = namespace === '' ? excludeSystemEvents() : streamNameFilter({ prefixes: [namespace] });
  const ours = (event: RecordedEvent): boolean =>
    !event.type.startsWith('$') && event.streamId.startsWith(namespace) && !event.streamId.startsWith('$');

  const toStored = (event: RecordedEvent): StoredEvent => ({
    streamId: event.streamId.slice(namespace.length),
    revision: Number(event.revision),
    position: numberOf(event.position),
    type: event.type,
    data: event.data,
    metadata: event.metadata ?? {},
    recordedAt: event.created.toISOString(),
  });

  let closed = false;
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
        events.map((event) =>
          jsonEvent({
            type: event.type,
            data: event.data as JSONType,
            metadata: (event.metadata ?? {}) as JSONType,
          }),
        ),
        { expectedRevision: expectedOf(expected) },
      );
      return { nextRevision: Number(result.nextExpectedRevision), position: numberOf(result.position) };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        // `actualVersion` is a bigint, or the string "no_stream" when the stream is absent.
        const actual = error.actualVersion;
        throw new VersionConflictError(streamId, expected, typeof actual === 'bigint' ? Number(actual) : 'no_stream');
      }
      throw error;
    }
  };

  /** Up to `limit` of our events after `fromPosition`, paging through $all (system events skipped). */
  const readAll = async (fromPosition: number, limit: number): Promise<StoredEvent[]> => {
    const found: StoredEvent[] = [];
    let from = fromPosition;
    for (;;) {
      // A read from a position includes the event at it: ask for one more than we need.
      const page = client.readAll({ fromPosition: readPositionOf(from), maxCount: limit + 1, direction: FORWARDS });
      let seen = 0;
      for await (const resolved of page) {
        seen += 1;
        const event = resolved.event;
        if (event === undefined) continue;
        const position = numberOf(event.position);
        if (position <= from) continue;
        from = position;
        if (ours(event)) found.push(toStored(event));
        if (found.length === limit) {
          await page.cancel();
          return found;
        }
      }
      if (seen < limit + 1) return found;
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

    // One server subscription at a time; when it drops (server restart, network), a new
    // one starts after the last event delivered, so nothing is skipped or repeated.
    const run = async (): Promise<void> => {
      let wait = retryMs;
      while (!stopped) {
        const subscription = client.subscribeToAll({ fromPosition: readPositionOf(position), filter });
        current = subscription;
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
            if (event !== undefined && ours(event) && numberOf(event.position) > position) {
              if (stopped) return;
              try {
                await subscribeOptions.onEvent(toStored(event));
              } catch (error) {
                // Our own consumer failed: that is not the connection's fault; hand it back.
                close();
                subscribeOptions.onError?.(error);
                return;
              }
              position = numberOf(event.position);
            }
            wait = retryMs;
            if (consumed >= caughtUpAt) markCaughtUp();
          }
          if (stopped) return;
          logger?.warn({ position }, 'EventStoreDB subscription ended; resubscribing');
        } catch (error) {
          if (stopped) return;
          logger?.warn({ err: error, position, retryInMs: wait }, 'EventStoreDB subscription dropped; resubscribing');
        }
        await delay(wait);
        wait = Math.min(wait * 2, maxRetryMs);
      }
    };
    void run();
    return { caughtUp, close };
  };

  const log: EventLog = {
    kind: `eventstoredb (${options.connectionString.replace(/\/\/[^@/]*@/, '//***@')})`,

    append: (streamId, events, expected) => {
      if (closed) return Promise.reject(new Error('event log is closed'));
      if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
      const pending = append(streamId, events, expected);
      appendsInFlight.add(pending);
      const forget = () => appendsInFlight.delete(pending);
      pending.then(forget, forget);
      return pending;
    },

    // One stream is an ordinary append. Several need KurrentDB's multi-stream append (server
    // 25.1, @kurrent/kurrentdb-client), which this client (@eventstore/db-client) does not
    // speak: refused plainly rather than written stream by stream (that would not be atomic).
    appendMany: async (writes) => {
      checkWrites(writes);
      const [only, ...more] = writes;
      if (only === undefined || more.length > 0) {
        throw new Error('appending to several streams at once needs KurrentDB 25.1+ and its client');
      }
      const { nextRevision, position } = await log.append(only.streamId, only.events, only.expected);
      return { streams: [{ streamId: only.streamId, nextRevision }], position };
    },

    readStream: async (streamId) => {
      const events: StoredEvent[] = [];
      try {
        for await (const resolved of client.readStream(namespace + streamId, { fromRevision: START })) {
          if (resolved.event !== undefined) events.push(toStored(resolved.event));
        }
      } catch (error) {
        if (error instanceof StreamNotFoundError) return [];
        throw error;
      }
      return events;
    },

    readAll,

    subscribe,

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
