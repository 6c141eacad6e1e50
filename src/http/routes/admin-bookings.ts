import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { stylistSlug } from '../../../machines/index.js';
import { bookingsBetween, heldSlots, holdIsLive, slotsBetween, sumHoldOutcomes } from '../../../projections/index.js';
import { AdminRangeQuery, ReasonBody } from '../admin-schemas.js';
import { ApiError } from '../api-error.js';
import { requestMeta } from '../command-meta.js';
import type { RouteContext } from '../context.js';
import { BookingParams, errorResponses } from '../schemas.js';
import { actorOf, columnOf, ensureColumn, ownColumnFilter } from '../staff-auth.js';
import { parseRange, salonDate, startOfSalonDay } from '../time-range.js';
import { bookingView, ownerSlot } from '../views.js';

// The owner's book: bookings by day (cancelled ones too, marked), the holds running now,
// and cancelling any booking at any time (the client-side cut-off does not apply).

const tags = ['owner'];
const security = [{ owner: [] }, { console: [] }];
const config = { access: 'staff' as const };

export const adminBookingRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { engine, clock, settings } = ctx;
    const cutoffMs = settings.cancelCutoffHours * 3_600_000;

    app.get(
      '/api/admin/bookings',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Bookings by appointment time (default: from the start of today, 31 days)',
          querystring: Type.Object({
            ...AdminRangeQuery.properties,
            status: Type.Optional(Type.Union([Type.Literal('confirmed'), Type.Literal('cancelled')])),
          }),
          response: { 200: Type.Object({ bookings: Type.Array(Type.Ref('Booking')) }), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const now = clock.now();
        const { from, to } = parseRange(request.query, settings.salonTz, startOfSalonDay(now, settings.salonTz));
        const { status } = request.query;
        const stylist = ownColumnFilter(request, request.query.stylist || undefined);
        const bookings = bookingsBetween(engine.models.bookings, from, to).filter(
          (b) =>
            (status === undefined || b.status === status) &&
            (stylist === undefined || stylistSlug(b.stylist) === stylistSlug(stylist)),
        );
        return { bookings: bookings.map((b) => bookingView(b, { now, cancelCutoffMs: cutoffMs })) };
      },
    );

    app.get(
      '/api/admin/holds',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Holds running now, soonest to lapse first',
          response: { 200: Type.Object({ holds: Type.Array(Type.Ref('OwnerSlot')) }), ...errorResponses(401) },
        },
      },
      async (request) => {
        const now = clock.now();
        const column = columnOf(request);
        const live = heldSlots(engine.models.availability)
          .filter((s) => holdIsLive(s, now) && (column === undefined || stylistSlug(s.stylist) === stylistSlug(column)))
          .sort((a, b) => (a.hold?.expiresAt ?? 0) - (b.hold?.expiresAt ?? 0));
        return { holds: live.map((s) => ownerSlot(s, engine.models, now)) };
      },
    );

    const Counts = Type.Object({ booked: Type.Integer(), cancelled: Type.Integer(), expired: Type.Integer() });
    app.get(
      '/api/admin/stats',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Occupancy and how holds ended, for a day or a range (default: today)',
          querystring: AdminRangeQuery,
          response: {
            200: Type.Object({
              from: Type.String({ format: 'date-time' }),
              to: Type.String({ format: 'date-time' }),
              slots: Type.Integer(),
              status: Type.Object({
                available: Type.Integer(),
                reserved: Type.Integer(),
                booked: Type.Integer(),
                closed: Type.Integer(),
              }),
              holds: Counts,
              stylists: Type.Array(
                Type.Object({ stylist: Type.String(), slots: Type.Integer(), booked: Type.Integer() }),
              ),
            }),
            ...errorResponses(400, 401),
          },
        },
      },
      async (request) => {
        const now = clock.now();
        const { date, from, to } = request.query;
        const stylist = ownColumnFilter(request, request.query.stylist || undefined);
        const asked = date !== undefined || from !== undefined || to !== undefined;
        const window = parseRange(
          asked ? { date, from, to } : { date: salonDate(now, settings.salonTz) },
          settings.salonTz,
          now,
        );
        const range = { ...window, ...(stylist && { stylist }) };
        const slots = slotsBetween(engine.models.availability, range);
        const status = { available: 0, reserved: 0, booked: 0, closed: 0 };
        const byStylist = new Map<string, { stylist: string; slots: number; booked: number }>();
        for (const slot of slots) {
          const shown = slot.status === 'reserved' && !holdIsLive(slot, now) ? 'available' : slot.status;
          status[shown] += 1;
          const row = byStylist.get(slot.stylist) ?? { stylist: slot.stylist, slots: 0, booked: 0 };
          row.slots += 1;
          if (slot.status === 'booked') row.booked += 1;
          byStylist.set(slot.stylist, row);
        }
        return {
          from: new Date(range.from).toISOString(),
          to: new Date(range.to).toISOString(),
          slots: slots.length,
          status,
          holds: sumHoldOutcomes(
            engine.models.holdOutcomes,
            slots.map((s) => s.slotId),
          ),
          stylists: [...byStylist.values()],
        };
      },
    );

    app.post(
      '/api/admin/bookings/:ref/cancel',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Cancel a booking (the slot becomes available again)',
          params: BookingParams,
          body: ReasonBody,
          response: {
            200: Type.Object({ message: Type.String(), booking: Type.Ref('Booking') }),
            ...errorResponses(401, 404, 409, 503),
          },
        },
      },
      async (request) => {
        const booking = engine.models.bookings.byId.get(request.params.ref.toUpperCase());
        if (booking === undefined) throw new ApiError(404, 'booking_not_found', 'no booking with that reference');
        ensureColumn(request, booking.stylist);
        const view = () =>
          bookingView(engine.models.bookings.byId.get(booking.bookingId) ?? booking, {
            now: clock.now(),
            cancelCutoffMs: cutoffMs,
          });
        if (booking.status === 'cancelled') return { message: 'This booking was already cancelled.', booking: view() };
        const reason = request.body.reason;
        await engine.cancelBooking(
          booking.slotId,
          { by: 'owner', bookingId: booking.bookingId, ...(reason !== undefined && { reason }) },
          { actor: actorOf(request), ...requestMeta(request) },
        );
        request.log.info({ reference: booking.bookingId }, 'booking cancelled by owner');
        return { message: 'Booking cancelled.', booking: view() };
      },
    );
  };
