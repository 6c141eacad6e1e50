import type { Service } from '../../machines/index.js';
import { type Availability, type BookingRecord, runFrom, type Services } from '../../projections/index.js';

// Where a booking would go if moved to start at `slotId`: the run its service needs from
// there (the service as it was booked, offered by the stylists the menu names today), or for
// a booking made without a service, a run as long as the booking with any stylist. The move
// itself is decided again on the slots (machines/appointment.ts); this only names them.

export const runForMove = (
  models: { availability: Availability; services: Services },
  booking: BookingRecord,
  slotId: string,
): string[] => {
  const { service } = booking;
  const today = service === undefined ? undefined : models.services.byId.get(service.id);
  const asBooked: Service = {
    serviceId: service?.id ?? 'as-booked',
    name: service?.name ?? 'this appointment',
    durationMinutes: service?.durationMinutes ?? (booking.endsAt - booking.startsAt) / 60_000,
    stylists: today?.stylists ?? null,
    price: null,
    active: true,
  };
  return runFrom(models.availability, slotId, asBooked).map((s) => s.slotId);
};
