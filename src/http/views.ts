import type { Static } from 'typebox';
import { type Appointment, isoTime } from '../../machines/index.js';
import type { BookingRecord, ReadModels, SlotSummary } from '../../projections/index.js';
import { holdIsLive } from '../../projections/index.js';
import type { PublicSlot } from './schemas.js';

// How a slot looks to whom. A client sees its own hold or booking as its own, and every
// other taken slot only as "unavailable": never who holds it, never a customer's details.

export const secondsLeft = (expiresAt: number, now: number): number =>
  Math.max(0, Math.ceil((expiresAt - now) / 1_000));

export type PublicSlotView = Static<typeof PublicSlot>;

/** A slot as `viewer` (a session's client id, or undefined) may see it at `now`. */
export const publicSlot = (slot: SlotSummary, viewer: string | undefined, now: number): PublicSlotView => {
  const base = {
    id: slot.slotId,
    start_time: isoTime(slot.startsAt),
    end_time: isoTime(slot.endsAt),
    stylist: slot.stylist,
    version: slot.revision,
  };
  if (holdIsLive(slot, now) && slot.hold !== null) {
    if (viewer !== undefined && slot.hold.clientId === viewer) {
      const { expiresAt } = slot.hold;
      return {
        ...base,
        status: 'reserved',
        yours: true,
        expires_at: isoTime(expiresAt),
        seconds_left: secondsLeft(expiresAt, now),
      };
    }
    return { ...base, status: 'unavailable', yours: false };
  }
  if (slot.status === 'booked' && slot.booking !== null) {
    if (viewer !== undefined && slot.booking.clientId === viewer) {
      return { ...base, status: 'booked', yours: true, reference: slot.booking.bookingId };
    }
    return { ...base, status: 'unavailable', yours: false };
  }
  // Available, or a lapsed hold whose expiry is not logged yet (a hold is a fact with a deadline).
  const open = (slot.status === 'available' || slot.status === 'reserved') && slot.startsAt > now;
  return { ...base, status: open ? 'available' : 'unavailable', yours: false };
};

/** A hold or booking's service, as the wire shows it (nothing for a plain one-slot hold). */
export const serviceFields = (service: Appointment['service']) =>
  service === undefined
    ? {}
    : { service: service.id, service_name: service.name, duration_minutes: service.durationMinutes };

/** The hold on `slot` as its holder sees it: the whole appointment. */
export const holdView = (slot: SlotSummary, hold: NonNullable<SlotSummary['hold']>) => ({
  id: hold.holdId,
  ...serviceFields(hold.appointment?.service),
  slot_ids: hold.appointment?.slotIds ?? [slot.slotId],
  start_time: hold.appointment?.startTime ?? isoTime(slot.startsAt),
  end_time: hold.appointment?.endTime ?? isoTime(slot.endsAt),
  expires_at: isoTime(hold.expiresAt),
});

export type BookingViewOptions = { now: number; cancelCutoffMs: number; manageToken?: string };

export const bookingView = (booking: BookingRecord, options: BookingViewOptions) => ({
  reference: booking.bookingId,
  slot_id: booking.slotId,
  slot_ids: booking.slotIds,
  ...serviceFields(booking.service),
  stylist: booking.stylist,
  start_time: isoTime(booking.startsAt),
  end_time: isoTime(booking.endsAt),
  status: booking.status,
  customer: booking.customer,
  booked_at: isoTime(booking.bookedAt),
  ...(booking.cancelledAt !== undefined && { cancelled_at: isoTime(booking.cancelledAt) }),
  cancellable_until: isoTime(booking.startsAt - options.cancelCutoffMs),
  ...(options.manageToken !== undefined && { manage_token: options.manageToken }),
});

/** The owner sees everything: the real status, holds with their deadline, bookings with the customer. */
export const ownerSlot = (slot: SlotSummary, models: ReadModels, now: number) => {
  const live = holdIsLive(slot, now);
  const booking = slot.booking === null ? undefined : models.bookings.byId.get(slot.booking.bookingId);
  return {
    id: slot.slotId,
    start_time: isoTime(slot.startsAt),
    end_time: isoTime(slot.endsAt),
    stylist: slot.stylist,
    status: slot.status === 'reserved' && !live ? ('available' as const) : slot.status,
    hold:
      live && slot.hold !== null
        ? {
            id: slot.hold.holdId,
            client: slot.hold.clientId,
            ...serviceFields(slot.hold.appointment?.service),
            slot_ids: slot.hold.appointment?.slotIds ?? [slot.slotId],
            reserved_at: isoTime(slot.hold.reservedAt),
            expires_at: isoTime(slot.hold.expiresAt),
            seconds_left: secondsLeft(slot.hold.expiresAt, now),
          }
        : null,
    booking:
      slot.booking === null
        ? null
        : {
            reference: slot.booking.bookingId,
            booked_at: isoTime(slot.booking.bookedAt),
            ...serviceFields(slot.booking.appointment?.service),
            slot_ids: slot.booking.appointment?.slotIds ?? [slot.slotId],
            ...(booking !== undefined && { customer: booking.customer }),
          },
    version: slot.revision,
  };
};

export type OwnerSlotView = ReturnType<typeof ownerSlot>;
