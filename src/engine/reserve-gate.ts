import { DomainError } from '../../machines/index.js';
import { type Availability, holdIsLive } from '../../projections/index.js';
import type { Clock } from '../clock.js';
import { EngineError } from './errors.js';
import type { ActorRegistry } from './registry.js';
import type { SoleWriter } from './sole-writer.js';

// A stampede on one slot: hundreds of clients ask for it at once. Only the first can win,
// and once it has, every other answer is already known. So a reserve never queues behind
// another client's reserve of the same slot: it waits, outside the slot's mailbox, for the
// one ahead to finish, and is then refused at once if the slot was taken (or goes in, if
// that one failed). The mailbox's bound is left for real overload, and a slot already known
// to be taken answers 409 without queueing at all.
//
// Waiting costs a promise per request, bounded per slot and across the process, and in
// time: if the reserve ahead hangs (a stalled disk), the ones behind it are told "busy"
// (503, Retry-After) instead of piling up with their requests open.

export type ReserveGate = ReturnType<typeof createReserveGate>;

const noop = (): void => undefined;

export const createReserveGate = (options: {
  /** Whether the slot is known to be taken by someone other than `clientId` (checked against the log if need be). */
  knownTaken(slotId: string, clientId: string, receivedAt: number | undefined): boolean | Promise<boolean>;
  maxWaiting: number;
  maxWaitingPerSlot: number;
  /** How long a reserve waits for the one ahead of it before it is answered "busy". */
  waitMs: number;
}) => {
  const ahead = new Map<string, Promise<unknown>>();
  const waitingFor = new Map<string, number>();
  let waiting = 0;

  const busy = (): EngineError => new EngineError('busy', 'too many requests for this timeslot right now, try again');

  /** Resolves when `before` settles, or rejects "busy" after `waitMs`. */
  const wait = (slotId: string, before: Promise<unknown>): Promise<void> => {
    waiting += 1;
    waitingFor.set(slotId, (waitingFor.get(slotId) ?? 0) + 1);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(busy()), options.waitMs);
    });
    return Promise.race([before.then(noop, noop), late]).finally(() => {
      clearTimeout(timer);
      waiting -= 1;
      const left = (waitingFor.get(slotId) ?? 1) - 1;
      if (left > 0) waitingFor.set(slotId, left);
      else waitingFor.delete(slotId);
    });
  };

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
        if (waiting >= options.maxWaiting || (waitingFor.get(slotId) ?? 0) >= options.maxWaitingPerSlot) throw busy();
        await wait(slotId, before);
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

/**
 * Whether a slot is known to be taken by someone other than `clientId`: from its warm actor,
 * else its read-model summary. An answer from a view that may be behind another writer is
 * checked against the log (the stream's head), as any refusal is; a slot whose last append
 * is in doubt is not answered from here at all.
 */
export const knownTakenFrom = (deps: {
  registry: Pick<ActorRegistry, 'get'>;
  availability: Availability;
  sole: Pick<SoleWriter, 'alone' | 'inDoubt'>;
  clock: Pick<Clock, 'now'>;
  head(slotId: string): Promise<number>;
}) => {
  /** The revision at which the slot is taken by someone other than `clientId`, if it is. */
  const takenAt = (slotId: string, clientId: string, now: number): number | undefined => {
    const actor = deps.registry.get(slotId);
    if (actor !== undefined) {
      const s = actor.state();
      const held = s.status === 'reserved' && s.hold !== null && now < s.hold.expiresAt && s.hold.clientId !== clientId;
      return held || s.status === 'booked' ? actor.revision : undefined;
    }
    const slot = deps.availability.slots.get(slotId);
    if (slot === undefined) return undefined;
    const held = holdIsLive(slot, now) && slot.hold?.clientId !== clientId;
    return held || slot.status === 'booked' ? slot.revision : undefined;
  };
  return (slotId: string, clientId: string, receivedAt: number | undefined): boolean | Promise<boolean> => {
    if (deps.sole.inDoubt(slotId)) return false;
    const revision = takenAt(slotId, clientId, deps.clock.now());
    if (revision === undefined) return false;
    if (deps.sole.alone(receivedAt)) return true;
    return deps.head(slotId).then((head) => head === revision);
  };
};
