import { type DecideContext, decide, type SlotCommand, type SlotState } from './decide.js';
import { DomainError, isDomainError } from './errors.js';
import type { Appointment, TimeslotEvent } from './events.js';
import { isoTime } from './iso-time.js';

// An appointment is a run of contiguous slots of one stylist, held and booked under one id.
// Each slot stays its own actor and stream; what makes the run one thing is that every
// command on it is decided here, over all of its slots at once, and written in one append
// across their streams: every slot changes, or none does. Pure, like decide.ts.

/** What one command appends, per slot, in time order. */
export type Decisions = Map<string, TimeslotEvent[]>;

/**
 * A decision needs slots it was not given (the siblings of an appointment, found only once
 * the slot's state is read): the engine enters those slots too and decides again.
 */
export class NeedsSlots extends Error {
  readonly slotIds: readonly string[];
  constructor(slotIds: readonly string[]) {
    super(`the decision needs slots ${slotIds.join(', ')}`);
    this.name = 'NeedsSlots';
    this.slotIds = slotIds;
  }
}

/** The appointment the slot's hold or booking belongs to; undefined for a one-slot one. */
export const appointmentOf = (state: Pick<SlotState, 'hold' | 'booking'>): Appointment | undefined =>
  state.hold?.appointment ?? state.booking?.appointment;

/** Every slot the hold or booking on this slot covers (just this one without an appointment). */
export const slotsCoveredWith = (state: Pick<SlotState, 'hold' | 'booking'>, slotId: string): readonly string[] =>
  appointmentOf(state)?.slotIds ?? [slotId];

type Geometry = { slotId: string; stylist: string; startsAt: number; endsAt: number };

const doesNotFit = (why: string): DomainError => new DomainError('service_does_not_fit', why);

/** At most this many slots in one appointment (a 12-hour service on a 5-minute grid). */
export const MAX_RUN_SLOTS = 144;

/**
 * The run a service of `durationMs` needs from `first`: each slot's end is the next one's
 * start, one stylist, and the fewest slots that cover the duration (exactly, or with the
 * smallest overshoot). `next(slot)` is the stylist's slot that starts when `slot` ends.
 */
export const fitRun = <S extends Geometry>(first: S, durationMs: number, next: (slot: S) => S | undefined): S[] => {
  const run = [first];
  let last = first;
  let covered = first.endsAt - first.startsAt;
  while (covered < durationMs) {
    const following = next(last);
    if (following === undefined || following.stylist !== last.stylist || following.startsAt !== last.endsAt) {
      throw doesNotFit('the service does not fit here: the stylist has a gap or the day ends before it would');
    }
    if (run.length >= MAX_RUN_SLOTS) throw doesNotFit('the service needs too many timeslots');
    run.push(following);
    last = following;
    covered += following.endsAt - following.startsAt;
  }
  return run;
};

/** The states of these slots, or NeedsSlots naming the ones not given. */
const statesOf = (states: ReadonlyMap<string, SlotState>, slotIds: readonly string[]): SlotState[] => {
  const missing = slotIds.filter((id) => !states.has(id));
  if (missing.length > 0) throw new NeedsSlots(missing);
  return slotIds.map((id) => states.get(id) as SlotState);
};

export type ReserveRun = {
  clientId: string;
  holdId: string;
  network?: string;
  /** The run, in time order: one slot for the seed's plain hold. */
  slotIds: readonly string[];
  service?: { id: string; name: string; durationMinutes: number };
};

/** This very run, already held by the client (one live hold covering exactly these slots)? */
const alreadyHeldBy = (
  run: readonly SlotState[],
  slotIds: readonly string[],
  clientId: string,
  now: number,
): boolean => {
  const hold = run[0]?.hold;
  const covers = hold?.appointment?.slotIds ?? [run[0]?.slot?.slotId];
  if (covers.length !== slotIds.length || covers.some((id, i) => id !== slotIds[i])) return false;
  const holdId = hold?.holdId;
  return run.every(
    (s) =>
      s.status === 'reserved' &&
      s.hold !== null &&
      s.hold.holdId === holdId &&
      s.hold.clientId === clientId &&
      now < s.hold.expiresAt,
  );
};

/**
 * Holds a run for one client under one hold id and one deadline: every slot or none. A run
 * the client already holds comes back unchanged (holds are not renewable). A lapsed hold on
 * any slot of the run is expired first, on every slot of *its* appointment, so no hold is
 * ever left covering only part of its slots.
 */
export const decideReserveRun = (
  states: ReadonlyMap<string, SlotState>,
  command: ReserveRun,
  ctx: DecideContext,
): Decisions => {
  const run = statesOf(states, command.slotIds);
  const decisions: Decisions = new Map();
  const [first] = run;
  if (first?.slot == null) throw new DomainError('slot_not_found', 'no such timeslot');
  if (alreadyHeldBy(run, command.slotIds, command.clientId, ctx.now)) return decisions;

  const geometry = run.map((s) => s.slot);
  geometry.forEach((slot, i) => {
    const before = geometry[i - 1];
    if (slot === null) throw doesNotFit('a timeslot of this appointment does not exist');
    if (before != null && (slot.stylist !== before.stylist || slot.startsAt !== before.endsAt)) {
      throw doesNotFit('the timeslots of an appointment must follow each other, with one stylist');
    }
  });
  const last = geometry.at(-1) ?? first.slot;
  if (command.service !== undefined) {
    const need = command.service.durationMinutes * 60_000;
    const lastLength = last.endsAt - last.startsAt;
    if (last.endsAt - first.slot.startsAt < need || last.endsAt - first.slot.startsAt - lastLength >= need) {
      throw doesNotFit('these timeslots do not match the service’s length');
    }
  }
  const appointment: Appointment | undefined =
    run.length > 1 || command.service !== undefined
      ? {
          slotIds: [...command.slotIds],
          startTime: isoTime(first.slot.startsAt),
          endTime: isoTime(last.endsAt),
          ...(command.service !== undefined && { service: command.service }),
        }
      : undefined;

  const slotCommand: SlotCommand = {
    type: 'reserve',
    clientId: command.clientId,
    holdId: command.holdId,
    ...(command.network !== undefined && { network: command.network }),
  };
  run.forEach((state, i) => {
    let events: TimeslotEvent[];
    try {
      events = decide(state, slotCommand, ctx);
    } catch (error) {
      // Past the first slot, "closed" or "started" is just "not free" for this appointment.
      if (i > 0 && isDomainError(error) && (error.code === 'slot_closed' || error.code === 'slot_in_past')) {
        throw new DomainError('slot_taken', 'part of this time is not available');
      }
      throw error;
    }
    if (events.length === 0) {
      // The client's own live hold on part of the run, under another appointment.
      throw new DomainError('slot_taken', 'you already hold part of this time: release it first');
    }
    decisions.set(
      command.slotIds[i] as string,
      appointment === undefined
        ? events
        : events.map((e) => (e.type === 'TimeslotReserved' ? { ...e, data: { ...e.data, appointment } } : e)),
    );
  });

  // A lapsed hold this run ends may cover slots outside the run: they end with it.
  const inRun = new Set(command.slotIds);
  const siblings = new Map<string, string>(); // slotId → holdId to expire
  for (const state of run) {
    const lapsed = state.status === 'reserved' ? state.hold : null;
    for (const id of lapsed?.appointment?.slotIds ?? []) {
      if (lapsed !== null && !inRun.has(id)) siblings.set(id, lapsed.holdId);
    }
  }
  const siblingStates = statesOf(states, [...siblings.keys()]);
  [...siblings].forEach(([id, holdId], i) => {
    const events = decide(siblingStates[i] as SlotState, { type: 'expire', holdId }, ctx);
    if (events.length > 0) decisions.set(id, events);
  });
  return decisions;
};

/** What each other slot of the appointment is told when `command` is given on one of them. */
const siblingCommand = (command: SlotCommand, target: SlotState): SlotCommand | undefined => {
  switch (command.type) {
    case 'book':
    case 'cancelHold':
    case 'expire':
      return command;
    case 'close':
      return { type: 'endHold' }; // closing one slot ends the whole hold
    case 'cancelBooking':
      return target.booking === null ? undefined : { ...command, bookingId: target.booking.bookingId };
    default:
      return undefined; // open, reopen, reserve: one slot's own business
  }
};

const sameAppointment = (a: SlotState, b: SlotState): boolean =>
  (a.hold !== null && a.hold.holdId === b.hold?.holdId) ||
  (a.booking !== null && a.booking.bookingId === b.booking?.bookingId);

/**
 * A command given on one slot, decided for the whole appointment its hold or booking is
 * part of: book, release, expire and cancel act on every slot; closing one slot ends the
 * hold on all of them. Without an appointment this is `decide` for the one slot.
 */
export const decideForAppointment = (
  states: ReadonlyMap<string, SlotState>,
  slotId: string,
  command: SlotCommand,
  ctx: DecideContext,
): Decisions => {
  const [target] = statesOf(states, [slotId]) as [SlotState];
  const covered = command.type === 'reserve' ? [slotId] : slotsCoveredWith(target, slotId);
  if (covered.length === 1) return new Map([[slotId, decide(target, command, ctx)]]);
  const all = statesOf(states, covered);
  const own = decide(target, command, ctx);
  const sibling = siblingCommand(command, target);
  const decisions: Decisions = new Map();
  covered.forEach((id, i) => {
    const state = all[i] as SlotState;
    if (id === slotId) decisions.set(id, own);
    else if (sibling !== undefined && sameAppointment(state, target)) decisions.set(id, decide(state, sibling, ctx));
  });
  return decisions;
};
