import {
  appointmentFor,
  appointmentOf,
  claimRun,
  type Decisions,
  notWhole,
  replaceReserved,
  slotsCoveredWith,
  statesOf,
} from './appointment.js';
import type { DecideContext, SlotState } from './decide.js';
import { DomainError } from './errors.js';
import type { Appointment, TimeslotEvent } from './events.js';
import { isoTime } from './iso-time.js';

// Moving a booking to another run of slots (a reschedule), decided over the old and the new
// slots at once and written in one append (see appointment.ts for runs and claims).

export type Reschedule = {
  bookingId: string;
  by: 'client' | 'owner';
  /** Any slot of the booking now (its first, as the read model shows it). */
  slotId: string;
  /** The new run, in time order. */
  to: readonly string[];
};

/**
 * Moves a booking to another run of slots in one decision: its old slots are freed and the
 * new ones booked (same reference, customer and service), or nothing changes. The new run
 * must be free as it would be for a hold (no cool-down: the booking is not a new hold) and
 * have the service's length (the booking's own length, without a service). Slots in both
 * runs are moved out and in again, so each slot's history says what happened.
 */
export const decideReschedule = (
  states: ReadonlyMap<string, SlotState>,
  command: Reschedule,
  ctx: DecideContext,
): Decisions => {
  const [target] = statesOf(states, [command.slotId]) as [SlotState];
  const booking = target.status === 'booked' ? target.booking : null;
  if (booking === null || booking.bookingId !== command.bookingId) {
    throw new DomainError('not_booked', 'there is no such booking on this timeslot');
  }
  const fromIds = slotsCoveredWith(target, command.slotId);
  const from = statesOf(states, fromIds);
  if (from.some((s) => s.status !== 'booked' || s.booking?.bookingId !== booking.bookingId)) throw notWhole();
  const before = appointmentFor(from, fromIds, undefined);
  const service = appointmentOf(target)?.service;
  const durationMs = service === undefined ? before.endsAt - before.startsAt : service.durationMinutes * 60_000;
  const toRun = statesOf(states, command.to);
  if (toRun[0]?.slot == null) throw new DomainError('slot_not_found', 'no such timeslot');
  const after = appointmentFor(toRun, command.to, durationMs);
  if (fromIds.length === command.to.length && fromIds.every((id, i) => id === command.to[i])) return new Map();

  const movedAt = isoTime(ctx.now);
  const fromAppointment = appointmentOf(target) ?? before.appointment;
  const to: Appointment = { ...after.appointment, ...(service !== undefined && { service }) };
  const out: TimeslotEvent = {
    type: 'BookingMovedOut',
    data: { bookingId: booking.bookingId, movedAt, by: command.by, to },
  };
  const moveIn: TimeslotEvent = {
    type: 'BookingMovedIn',
    data: {
      bookingId: booking.bookingId,
      holdId: booking.holdId,
      clientId: booking.clientId,
      customer: booking.customer,
      bookedAt: isoTime(booking.bookedAt),
      movedAt,
      by: command.by,
      from: fromAppointment,
      appointment: to,
      ...(booking.network !== undefined && { network: booking.network }),
    },
  };
  // Slots the booking keeps are free for the claim once it has moved out of them.
  const vacated = new Map(states);
  for (const id of fromIds) {
    const state = states.get(id) as SlotState;
    vacated.set(id, { ...state, status: 'available', booking: null });
  }
  const claimed = claimRun(
    vacated,
    command.to,
    { type: 'reserve', clientId: booking.clientId, holdId: booking.holdId },
    { ...ctx, cooldownMs: 0 },
  );
  const decisions: Decisions = new Map(fromIds.map((id) => [id, [out]]));
  for (const [id, events] of replaceReserved(claimed, () => moveIn)) {
    decisions.set(id, [...(decisions.get(id) ?? []), ...events]);
  }
  return decisions;
};
