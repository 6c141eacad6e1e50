import { DomainError } from '../../machines/index.js';
import { EngineError } from './errors.js';

// A stampede on one slot: hundreds of clients ask for it at once. Only the first can win,
// and once it has, every other answer is already known. So a reserve never queues behind
// another client's reserve of the same slot: it waits, outside the slot's mailbox, for the
// one ahead to finish, and is then refused at once if the slot was taken (or goes in, if
// that one failed). The mailbox's bound is left for real overload, and a slot already known
// to be taken answers 409 without queueing at all.
//
// Waiting costs a promise per request, bounded across the process: beyond it, 503 busy.

export type ReserveGate = ReturnType<typeof createReserveGate>;

export const createReserveGate = (options: {
  /** Whether the slot is known to be taken by someone other than `clientId` (checked against the log if need be). */
  knownTaken(slotId: string, clientId: string, receivedAt: number | undefined): boolean | Promise<boolean>;
  maxWaiting: number;
}) => {
  const ahead = new Map<string, Promise<unknown>>();
  let waiting = 0;

  const taken = (): never => {
    throw new DomainError('slot_taken', 'this timeslot is held by another client');
  };

  return {
    get waiting() {
      return waiting;
    },
    run: async <T>(
      slotId: string,
      clientId: string,
      receivedAt: number | undefined,
      task: () => Promise<T>,
    ): Promise<T> => {
      for (;;) {
        if (await options.knownTaken(slotId, clientId, receivedAt)) taken();
        const before = ahead.get(slotId);
        if (before === undefined) break;
        if (waiting >= options.maxWaiting) {
          throw new EngineError('busy', 'too many requests for this timeslot right now, try again');
        }
        waiting += 1;
        try {
          await before.catch(() => undefined);
        } finally {
          waiting -= 1;
        }
      }
      const running = task();
      ahead.set(slotId, running);
      const clear = (): void => {
        if (ahead.get(slotId) === running) ahead.delete(slotId);
      };
      running.then(clear, clear);
      return running;
    },
  };
};
