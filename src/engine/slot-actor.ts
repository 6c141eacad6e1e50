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
// expect. A held slot is always built by replaying its stream, so its timer is re-armed
// with exactly the time left on the stored deadline; a slot with no timer may also be
// restored from a state the engine knows is current (see the engine's sole-writer path).

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

type DeadlineListener = (slotId: string, holdId: string) => void;

/** The SlotActor face of a started XState actor that has applied everything up to `loadedAt`. */
const liveSlot = (machine: Machine, slotId: string, actor: XActor<Machine>, loadedAt: number): SlotActor => {
  let revision = loadedAt;
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

/** Builds a live timeslot by replaying its stream (the only way a hold's timer is armed). */
export const loadSlotActor = async (
  readSlotStream: (slotId: string) => Promise<RecordedEvent[]>,
  machine: Machine,
  clock: Clock,
  slotId: string,
  onDeadline: DeadlineListener,
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
  return liveSlot(machine, slotId, actor, revision);
};

/**
 * Builds a live timeslot straight from a state known to be current, without reading the
 * log: only for states with no timer to arm (XState does not re-enter a restored state).
 */
export const restoreSlotActor = (
  machine: Machine,
  clock: Clock,
  slotId: string,
  onDeadline: DeadlineListener,
  from: { state: SlotState; revision: number },
): SlotActor => {
  const { status, ...context } = from.state;
  if (status === 'reserved') throw new Error(`slot ${slotId}: a held slot is rebuilt from its stream`);
  // In persisted form, as XState restores a saved snapshot: the actor keeps its options for
  // life, so this is what a restored slot carries (a resolved snapshot was ~0.8 KB more).
  const snapshot = {
    status: 'active' as const,
    output: undefined,
    error: undefined,
    value: status,
    context,
    children: {},
    historyValue: {},
  };
  const actor: XActor<Machine> = createActor(machine, { clock, snapshot });
  actor.on('holdDeadlinePassed', (event) => onDeadline(slotId, event.holdId));
  actor.start();
  return liveSlot(machine, slotId, actor, from.revision);
};
