import type { Logger } from 'pino';
import { commitEndOf, type RecordedEvent } from '../../machines/index.js';
import { applyRecorded, type ReadModels } from '../../projections/index.js';
import type { EventLog, Subscription } from '../eventlog/port.js';

// Feeds the read models from the log, in log order, for this process's appends and every
// other process's alike. A command is acknowledged only once the projector has folded its
// events in (waitFor), so a client always reads its own writes, and "tell" (WebSocket
// pushes, via listeners) happens strictly after they are durable.
//
// A commit (one append: an expiry and a new hold, every slot of an appointment) is folded
// and told as a unit: events are held until the last of their commit has arrived, then
// folded together, and listeners get the whole commit. No reader ever sees half of one.

/** Called once per commit, with its events in log order. */
export type CommittedListener = (commit: readonly RecordedEvent[]) => void;

export type Projector = {
  /** Replays the log from the models' position and keeps following it. */
  start(): Promise<void>;
  waitFor(position: number): Promise<void>;
  onCommitted(listener: CommittedListener): () => void;
  stop(): void;
};

const RETRY_MS = 1_000;

export const createProjector = (log: EventLog, models: ReadModels, logger?: Logger): Projector => {
  const listeners = new Set<CommittedListener>();
  let waiters: Array<{ position: number; resolve: () => void }> = [];
  let subscription: Subscription | undefined;
  let stopped = false;

  let partial: RecordedEvent[] = [];

  const onEvent = (event: RecordedEvent): void => {
    if (commitEndOf(event) > event.position) {
      partial.push(event); // the rest of its commit is still to come
      return;
    }
    const commit = partial.length === 0 ? [event] : [...partial, event];
    partial = [];
    for (const e of commit) applyRecorded(models, e);
    if (waiters.length > 0) {
      const due = waiters.filter((w) => w.position <= models.position);
      waiters = waiters.filter((w) => w.position > models.position);
      for (const w of due) w.resolve();
    }
    for (const listener of listeners) {
      try {
        listener(commit);
      } catch (error) {
        logger?.error({ err: error }, 'committed-event listener failed');
      }
    }
  };

  const follow = (): Subscription => {
    partial = []; // a new subscription starts again from the last whole commit folded
    return log.subscribe({
      fromPosition: models.position,
      onEvent,
      onError: (error) => {
        logger?.error({ err: error }, 'log subscription failed; resubscribing');
        subscription?.close();
        if (!stopped) setTimeout(() => (subscription = follow()), RETRY_MS).unref();
      },
    });
  };

  return {
    start: async () => {
      subscription = follow();
      await subscription.caughtUp;
    },
    waitFor: (position) =>
      position <= models.position
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ position, resolve })),
    onCommitted: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: () => {
      stopped = true;
      subscription?.close();
      for (const w of waiters) w.resolve();
      waiters = [];
    },
  };
};
