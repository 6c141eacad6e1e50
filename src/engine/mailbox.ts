import { EngineError } from './errors.js';

// Commands for one slot run one at a time, in arrival order: the actor is the only writer
// of its stream within this process, so no locks are needed. The queue is bounded: under a
// stampede on one slot we answer "busy" at once rather than queue without limit.
//
// A command over several slots (an appointment) enters all of their mailboxes in one
// synchronous step and runs once it is first in every one. The event loop gives every
// command one global order, and each mailbox keeps that order, so no two commands can each
// wait for the other: no deadlock, with no lock ordering to get wrong. Capacity is checked
// for every mailbox first, so a command is never left queued in some and refused by others.

export type Mailbox = {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Queued plus running tasks. */
  readonly depth: number;
};

export const createMailbox = (capacity: number, onEmpty?: () => void): Mailbox => {
  let tail: Promise<unknown> = Promise.resolve();
  let depth = 0;
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      if (depth >= capacity) {
        return Promise.reject(new EngineError('busy', 'too many requests for this timeslot right now, try again'));
      }
      depth += 1;
      const result = tail.then(task);
      tail = result.then(
        () => undefined,
        () => undefined,
      );
      void tail.then(() => {
        depth -= 1;
        if (depth === 0) onEmpty?.();
      });
      return result;
    },
    get depth() {
      return depth;
    },
  };
};

/** Mailboxes by key, created on demand and dropped when they drain. */
export const createMailboxes = (capacity: number) => {
  const boxes = new Map<string, Mailbox>();
  let idleWaiters: Array<() => void> = [];
  const run = <T>(key: string, task: () => Promise<T>): Promise<T> => {
    let box = boxes.get(key);
    if (box === undefined) {
      box = createMailbox(capacity, () => {
        if (boxes.get(key)?.depth === 0) boxes.delete(key);
        if (boxes.size === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
      });
      boxes.set(key, box);
    }
    return box.run(task);
  };
  /** Runs `task` once it is first in every one of these mailboxes; "busy" if any is full. */
  const runAll = <T>(keys: readonly string[], task: () => Promise<T>): Promise<T> => {
    if (keys.length === 1) return run(keys[0] as string, task);
    if (keys.some((key) => (boxes.get(key)?.depth ?? 0) >= capacity)) {
      return Promise.reject(new EngineError('busy', 'too many requests for this time right now, try again'));
    }
    let finished!: () => void;
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    // Each mailbox's turn: say we are in, then keep the mailbox until the task is done.
    const turns = keys.map(
      (key) =>
        new Promise<void>((entered, refused) => {
          run(key, () => {
            entered();
            return done;
          }).catch(refused);
        }),
    );
    return Promise.all(turns)
      .then(task)
      .finally(() => finished());
  };

  return {
    run,
    runAll,
    depthOf: (key: string): number => boxes.get(key)?.depth ?? 0,
    get totalDepth(): number {
      let sum = 0;
      for (const b of boxes.values()) sum += b.depth;
      return sum;
    },
    /** Resolves when no mailbox has work. */
    idle: (): Promise<void> =>
      boxes.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve)),
  };
};

export type Mailboxes = ReturnType<typeof createMailboxes>;
