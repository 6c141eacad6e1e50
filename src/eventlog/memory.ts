import { type Clock, systemClock } from '../clock.js';
import { createFollowers, type Followers } from './follower.js';
import { numberWrite, refuseConflicts } from './numbering.js';
import { appendOneVia, checkWrites, type EventLog, type StoredEvent } from './port.js';

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
      const headOf = (streamId: string) => (store.streams.get(streamId)?.length ?? 0) - 1;
      refuseConflicts(writes, headOf);
      const recordedAt = new Date(clock.now()).toISOString();
      const result = numberWrite(
        writes,
        headOf,
        store.all.length,
        ({ streamId, revision, position, commitEnd, event }) => {
          const stored: StoredEvent = {
            streamId,
            revision,
            position,
            type: event.type,
            data: copy(event.data),
            metadata: copy(event.metadata),
            recordedAt,
            ...(commitEnd !== null && { lastOfCommit: commitEnd }),
          };
          const stream = store.streams.get(streamId) ?? [];
          stream.push(stored);
          store.streams.set(streamId, stream);
          store.all.push(stored);
        },
      );
      store.commits += 1;
      ownCommits += 1;
      for (const f of store.followers) f.wake();
      return result;
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
