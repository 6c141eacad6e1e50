import { type Clock, systemClock } from '../clock.js';
import { createFollowers, type Followers } from './follower.js';
import { type EventLog, revisionMatches, type StoredEvent, VersionConflictError } from './port.js';

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

  return {
    kind: 'memory',

    append: async (streamId, events, expected) => {
      if (closed) throw new Error('event log is closed');
      if (events.length === 0) throw new Error('append needs at least one event');
      const stream = store.streams.get(streamId) ?? [];
      const actual = stream.length - 1;
      if (!revisionMatches(expected, actual)) {
        throw new VersionConflictError(streamId, expected, actual < 0 ? 'no_stream' : actual);
      }
      const recordedAt = new Date(clock.now()).toISOString();
      for (const event of events) {
        const stored: StoredEvent = {
          streamId,
          revision: stream.length,
          position: store.all.length + 1,
          type: event.type,
          data: copy(event.data),
          metadata: copy(event.metadata),
          recordedAt,
        };
        stream.push(stored);
        store.all.push(stored);
      }
      store.streams.set(streamId, stream);
      store.commits += 1;
      ownCommits += 1;
      for (const f of store.followers) f.wake();
      return { nextRevision: stream.length - 1, position: store.all.length };
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
};
