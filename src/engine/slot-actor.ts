import { createActor, transition, type Actor as XActor } from 'xstate';
import {
  type RecordedEvent,
  type SlotState,
  stateOf,
  type TimeslotEvent,
  type timeslotMachineFor,
  toDomainEvent,
} from '../../machines/index.js';
import type { Clock } from '../clock.js';

// One live timeslot: its XState actor (with the hold timer armed on the engine's clock)
// and the revision of the last event it has applied, which is what the next append must
// expect. Built by replaying the slot's stream, never from a saved snapshot, so a pending
// hold timer is re-armed with exactly the time left on its stored deadline.

type Machine = ReturnType<typeof timeslotMachineFor>;

export type SlotActor = {
  readonly slotId: string;
  readonly revision: number;
  state(): SlotState;
  /** Throws if the machine would not accept these facts in this order (a decide bug). */
  check(events: readonly TimeslotEvent[]): void;
  /** Applies facts that are already durable in the log. */
  apply(events: readonly TimeslotEvent[], revision: number): void;
  stop(): void;
};

export const loadSlotActor = async (
  readSlotStream: (slotId: string) => Promise<RecordedEvent[]>,
  machine: Machine,
  clock: Clock,
  slotId: string,
  onDeadline: (slotId: string, holdId: string) => void,
): Promise<SlotActor> => {
  const stream = await readSlotStream(slotId);
  const actor: XActor<Machine> = createActor(machine, { clock });
  actor.on('holdDeadlinePassed', (event) => onDeadline(slotId, event.holdId));
  actor.start();
  let revision = -1;
  for (const stored of stream) {
    const event = toDomainEvent(stored);
    if (event !== undefined) actor.send(event);
    revision = stored.revision;
  }

  return {
    slotId,
    get revision() {
      return revision;
    },
    state: () => stateOf(actor.getSnapshot()),
    check: (events) => {
      let snapshot = actor.getSnapshot();
      events.forEach((event, i) => {
        if (!snapshot.can(event)) {
          throw new Error(`slot ${slotId}: machine rejects ${event.type} in state ${String(snapshot.value)}`);
        }
        // Only a later fact needs the state this one leads to. Computing it costs a whole
        // XState macrostep (an eighth of a command's CPU when profiled), so the usual
        // one-fact command stops at `can`.
        if (i < events.length - 1) [snapshot] = transition(machine, snapshot, event);
      });
    },
    apply: (events, nextRevision) => {
      for (const event of events) actor.send(event);
      revision = nextRevision;
    },
    stop: () => actor.stop(),
  };
};
