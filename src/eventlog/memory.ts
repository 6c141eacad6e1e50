import { type Clock, systemClock } from '../clock.js';
import { createFollowers, type Followers } from './follower.js';
import {
  appendOneVia,
  type Conflict,
  checkWrites,
  conflictOf,
  type EventLog,
  revisionMatches,
  type StoredEvent,
} from './port.js';

// An in-process log for fast property tests. Several logs may share one store, which is
// how tests stand up "several processes on one log" without files. Data round-trips
// through JSON so anything that would not survive a real adapter fails here too.

export type MemoryStore = {
  all: StoredEvent[];
  streams: Map<string, StoredEvent[]>;
  /** Every log instance sharing this store, woken on each commit. */
  followers: Set<Followers>;
  /** Appends committed, by every log on this store. */
  commits: number;
};

export const createMemoryStore = (): MemoryStore => ({ all: [], streams: new Map(), followers: new Set(), commits: 0 });

export type MemoryLogOptions = { store?: MemoryStore; clock?: Pick<Clock, 'now'> };

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? {}));

export const createMemoryLog = (options: MemoryLogOptions = {}): EventLog => {
  const store = options.store ?? createMemoryStore();
  const clock = options.clock ?? systemClock;
  const readAll = (from: number, limit: number): StoredEvent[] => {
    // Positions are 1-based and contiguous here, so `from` is also an index.
    return store.all.slice(from, from + limit).map(copy);
  };
  const followers = createFollowers(readAll);
  store.followers.add(followers);
  let closed = false;
  let ownCommits = 0;

  const log: EventLog = {
    kind: 'memory',

    append: (streamId, events, expected) => appendOneVia(log.appendMany, streamId, events, expected),

    appendMany: async (writes) => {
      if (closed) throw new Error('event log is closed');
      checkWrites(writes);
      const conflicts: Conflict[] = [];
      for (const { streamId, expected } of writes) {
        const actual = (store.streams.get(streamId)?.length ?? 0) - 1;
        if (!revisionMatches(expected, actual))
          conflicts.push({ streamId, expected, actual: actual < 0 ? 'no_stream' : actual });
      }
      if (conflicts.length > 0) throw conflictOf(conflicts);
      const recordedAt = new Date(clock.now()).toISOString();
      const total = writes.reduce((n, w) => n + w.events.length, 0);
      const last = store.all.length + total;
      const streams = writes.map(({ streamId, events }) => {
        const stream = store.streams.get(streamId) ?? [];
        for (const event of events) {
          const stored: StoredEvent = {
            streamId,
            revision: stream.length,
            position: store.all.length + 1,
            type: event.type,
            data: copy(event.data),
            metadata: copy(event.metadata),
            recordedAt,
            ...(total > 1 && { lastOfCommit: last }),
          };
          stream.push(stored);
          store.all.push(stored);
        }
        store.streams.set(streamId, stream);
        return { streamId, nextRevision: stream.length - 1 };
      });
      store.commits += 1;
      ownCommits += 1;
      for (const f of store.followers) f.wake();
      return { streams, position: last };
    },

    readStream: async (streamId) => (store.streams.get(streamId) ?? []).map(copy),

    headRevision: async (streamId) => (store.streams.get(streamId)?.length ?? 0) - 1,

    foreignWriteMark: () => store.commits - ownCommits,

    readAll: async (fromPosition, limit) => readAll(fromPosition, limit),

    subscribe: (subscribeOptions) => followers.subscribe(subscribeOptions),

    close: async () => {
      closed = true;
      followers.closeAll();
      store.followers.delete(followers);
    },
  };
  return log;
};
