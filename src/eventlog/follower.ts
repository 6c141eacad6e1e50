import type { StoredEvent, SubscribeOptions, Subscription } from './port.js';

// Catch-up-then-follow delivery shared by the adapters that can read "everything after
// position p": each subscription re-reads from its own last position whenever the adapter
// wakes it (a local commit, or a poll that saw another process write). Reading rather than
// pushing makes delivery gap-free and in order, whoever wrote the events.

type ReadAll = (fromPosition: number, limit: number) => Promise<StoredEvent[]> | StoredEvent[];

const BATCH = 1_000;

export type Followers = {
  subscribe(options: SubscribeOptions): Subscription;
  /**
   * Something was committed: every subscription reads on from where it is. An adapter that
   * just committed `committed` (in position order, nothing else written between its first
   * and last) passes it along, and a subscription that is right behind it takes the events
   * from there instead of reading back what this process has just written.
   */
  wake(committed?: readonly StoredEvent[]): void;
  readonly size: number;
  closeAll(): void;
};

export const createFollowers = (readAll: ReadAll): Followers => {
  const live = new Map<() => void, () => void>(); // pump → close
  let recent: readonly StoredEvent[] = [];

  /** Everything after `from` up to `limit`, if the last commit covers it; else a real read. */
  const read = (from: number, limit: number) => {
    const first = recent[0];
    const last = recent.at(-1);
    if (first !== undefined && last !== undefined && first.position <= from + 1 && last.position > from) {
      return recent.filter((e) => e.position > from).slice(0, limit);
    }
    return readAll(from, limit);
  };

  const subscribe = (options: SubscribeOptions): Subscription => {
    let position = options.fromPosition;
    let running = false;
    let again = false;
    let closed = false;
    let markCaughtUp: () => void = () => {};
    const caughtUp = new Promise<void>((resolve) => {
      markCaughtUp = resolve;
    });

    const pump = (): void => {
      if (closed) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      void (async () => {
        try {
          do {
            again = false;
            for (;;) {
              const batch = await read(position, BATCH);
              for (const event of batch) {
                if (closed) return;
                await options.onEvent(event);
                position = event.position;
              }
              if (batch.length < BATCH) break;
            }
            markCaughtUp();
          } while (again && !closed);
        } catch (error) {
          options.onError?.(error);
        } finally {
          running = false;
        }
      })();
    };

    const close = (): void => {
      closed = true;
      live.delete(pump);
      markCaughtUp();
    };
    live.set(pump, close);
    pump();
    return { caughtUp, close };
  };

  return {
    subscribe,
    wake: (committed) => {
      recent = committed ?? [];
      for (const pump of live.keys()) pump();
    },
    get size() {
      return live.size;
    },
    closeAll: () => {
      for (const close of [...live.values()]) close();
    },
  };
};
