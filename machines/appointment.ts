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

/** The slots of one appointment disagree: a view behind the log, or a log that needs the salon. */
export const notWhole = (): DomainError =>
  new DomainError('appointment_not_whole', 'this appointment is changing right now; try again');

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
export const statesOf = (states: ReadonlyMap<string, SlotState>, slotIds: readonly string[]): SlotState[] => {
  const found: SlotState[] = [];
  for (const id of slotIds) {
    const state = states.get(id);
    if (state === undefined) throw new NeedsSlots(slotIds.filter((x) => !states.has(x)));
    found.push(state);
  }
  return found;
};

export type ReserveRun = {
  clientId: string;
  holdId: string;
  network?: string;
  /** The run, in time order: one slot for the seed's plain hold. */
  slotIds: readonly string[];
  service?: { id: string; name: string; durationMinutes: number };
};

/**
 * This very run, already held by the client (one live hold covering exactly these slots)?
 * A plain one-slot reserve asks for the client's own hold on that slot, whatever it covers:
 * "asking again for your own live hold returns it unchanged" (the seed's contract).
 */
const alreadyHeldBy = (
  run: readonly SlotState[],
  slotIds: readonly string[],
  clientId: string,
  now: number,
  plain: boolean,
): boolean => {
  const hold = run[0]?.hold;
  const covers = hold?.appointment?.slotIds ?? [run[0]?.slot?.slotId];
  const same = covers.length === slotIds.length && covers.every((id, i) => id === slotIds[i]);
  if (!same && !plain) return false;
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

/** The run's shape, checked on the slots' own state: contiguous, one stylist, the service's length. */
export const appointmentFor = (
  run: readonly SlotState[],
  slotIds: readonly string[],
  durationMs: number | undefined,
): { startsAt: number; endsAt: number; appointment: Appointment } => {
  const geometry = run.map((s) => s.slot);
  geometry.forEach((slot, i) => {
    const before = geometry[i - 1];
    if (slot === null) throw doesNotFit('a timeslot of this appointment does not exist');
    if (before != null && (slot.stylist !== before.stylist || slot.startsAt !== before.endsAt)) {
      throw doesNotFit('the timeslots of an appointment must follow each other, with one stylist');
    }
  });
  const first = geometry[0];
  const last = geometry.at(-1);
  if (first == null || last == null) throw new DomainError('slot_not_found', 'no such timeslot');
  const length = last.endsAt - first.startsAt;
  if (durationMs !== undefined && (length < durationMs || length - (last.endsAt - last.startsAt) >= durationMs)) {
    throw doesNotFit('these timeslots do not match the service’s length');
  }
  return {
    startsAt: first.startsAt,
    endsAt: last.endsAt,
    appointment: { slotIds: [...slotIds], startTime: isoTime(first.startsAt), endTime: isoTime(last.endsAt) },
  };
};

/**
 * Claims every slot of a run as free for `who`, the way a hold would (decide's reserve rules,
 * cool-down included unless the context turns it off): per slot, an expiry of a lapsed hold
 * if there is one, then the TimeslotReserved a hold would write. One refusal refuses all.
 * A lapsed hold ended here may cover slots outside the run: they end with it, in the same
 * decisions, so no hold is ever left covering part of its slots.
 */
export const claimRun = (
  states: ReadonlyMap<string, SlotState>,
  slotIds: readonly string[],
  who: SlotCommand & { type: 'reserve' },
  ctx: DecideContext,
): Decisions => {
  const run = statesOf(states, slotIds);
  const decisions: Decisions = new Map();
  run.forEach((state, i) => {
    let events: TimeslotEvent[];
    try {
      events = decide(state, who, ctx);
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
    decisions.set(slotIds[i] as string, events);
  });

  // (Only a lapsed hold of several slots can have siblings: the usual claim skips this.)
  if (!run.some((s) => s.status === 'reserved' && s.hold?.appointment !== undefined)) return decisions;
  const inRun = new Set(slotIds);
  const siblings = new Map<string, string>(); // slotId → holdId to expire
  for (const state of run) {
    const lapsed = state.status === 'reserved' ? state.hold : null;
    for (const id of lapsed?.appointment?.slotIds ?? []) {
      if (lapsed !== null && !inRun.has(id)) siblings.set(id, lapsed.holdId);
    }
  }
  const siblingStates = statesOf(states, [...siblings.keys()]);
  [...siblings].forEach(([id, holdId], i) => {
    const state = siblingStates[i] as SlotState;
    if (state.hold?.holdId !== holdId) throw notWhole(); // a view behind the log, as above
    decisions.set(id, decide(state, { type: 'expire', holdId }, ctx));
  });
  return decisions;
};

/** The claimed run's TimeslotReserved facts, each replaced by `fact`. */
export const replaceReserved = (decisions: Decisions, fact: (reserved: TimeslotEvent) => TimeslotEvent): Decisions =>
  new Map([...decisions].map(([id, events]) => [id, events.map((e) => (e.type === 'TimeslotReserved' ? fact(e) : e))]));

/**
 * Holds a run for one client under one hold id and one deadline: every slot or none. A run
 * the client already holds comes back unchanged (holds are not renewable).
 */
export const decideReserveRun = (
  states: ReadonlyMap<string, SlotState>,
  command: ReserveRun,
  ctx: DecideContext,
): Decisions => {
  const run = statesOf(states, command.slotIds);
  if (run[0]?.slot == null) throw new DomainError('slot_not_found', 'no such timeslot');
  // A plain one-slot hold (the seed's) has no shape to check and names no appointment.
  const plain = run.length === 1 && command.service === undefined;
  if (alreadyHeldBy(run, command.slotIds, command.clientId, ctx.now, plain)) return new Map();
  const shape = plain
    ? undefined
    : appointmentFor(run, command.slotIds, command.service && command.service.durationMinutes * 60_000);
  const claimed = claimRun(
    states,
    command.slotIds,
    {
      type: 'reserve',
      clientId: command.clientId,
      holdId: command.holdId,
      ...(command.network !== undefined && { network: command.network }),
    },
    ctx,
  );
  if (shape === undefined) return claimed;
  const named = { ...shape.appointment, ...(command.service !== undefined && { service: command.service }) };
  return replaceReserved(claimed, (e) => ({ ...e, data: { ...e.data, appointment: named } }) as TimeslotEvent);
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
  const target = states.get(slotId);
  if (target === undefined) throw new NeedsSlots([slotId]);
  const covered = command.type === 'reserve' ? [slotId] : slotsCoveredWith(target, slotId);
  if (covered.length === 1) return new Map([[slotId, decide(target, command, ctx)]]);
  const all = statesOf(states, covered);
  const own = decide(target, command, ctx);
  const sibling = siblingCommand(command, target);
  const decisions: Decisions = new Map();
  covered.forEach((id, i) => {
    const state = all[i] as SlotState;
    if (id === slotId) decisions.set(id, own);
    else if (sibling !== undefined) {
      // A sibling that does not show the appointment is a view behind the log (another
      // process wrote): acting on the rest would leave part of it. Refuse; the engine
      // checks its views against the log and decides again.
      if (!sameAppointment(state, target)) throw notWhole();
      decisions.set(id, decide(state, sibling, ctx));
    }
  });
  return decisions;
};
