import type { RecordedEvent, SlotState, timeslotMachineFor } from '../../machines/index.js';
import type { Clock } from '../clock.js';
import { loadSlotActor, restoreSlotActor, type SlotActor } from './slot-actor.js';

// Virtual actors: a slot's actor exists only while it is useful. It is built on first use
// (by replaying the slot's stream, or from a state the caller knows is current) and let go
// when idle beyond a bound, least recently used first, except while the slot is held: then
// the actor is what arms the hold's deadline.

export type ActorRegistry = ReturnType<typeof createActorRegistry>;

export const createActorRegistry = (options: {
  readSlotStream: (slotId: string) => Promise<RecordedEvent[]>;
  machine: ReturnType<typeof timeslotMachineFor>;
  clock: Clock;
  maxIdle: number;
  onDeadline: (slotId: string, holdId: string) => void;
  /** Whether commands for the slot are queued or running (such actors are never let go). */
  isBusy: (slotId: string) => boolean;
}) => {
  const actors = new Map<string, SlotActor>(); // insertion order = least recently used first

  const drop = (slotId: string): void => {
    actors.get(slotId)?.stop();
    actors.delete(slotId);
  };

  const evictIdle = (): void => {
    if (actors.size <= options.maxIdle) return;
    for (const [slotId, actor] of actors) {
      if (actors.size <= options.maxIdle) break;
      if (actor.state().status !== 'reserved' && !options.isBusy(slotId)) drop(slotId);
    }
  };

  return {
    get: (slotId: string): SlotActor | undefined => actors.get(slotId),
    get size() {
      return actors.size;
    },
    /** The slot's live actor; a cold one is built from `known` when given, else from its stream. */
    activate: async (slotId: string, known?: { state: SlotState; revision: number }): Promise<SlotActor> => {
      const warm = actors.get(slotId);
      if (warm !== undefined) {
        actors.delete(slotId);
        actors.set(slotId, warm);
        return warm;
      }
      const { machine, clock, onDeadline } = options;
      const actor =
        known !== undefined
          ? restoreSlotActor(machine, clock, slotId, onDeadline, known)
          : await loadSlotActor(options.readSlotStream, machine, clock, slotId, onDeadline);
      actors.set(slotId, actor);
      evictIdle(); // reads and refusals activate actors too, not only successful appends
      return actor;
    },
    drop,
    dropAll: (): void => {
      for (const slotId of [...actors.keys()]) drop(slotId);
    },
  };
};
