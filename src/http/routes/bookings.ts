import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { BookingRecord } from '../../../projections/index.js';
import { ApiError } from '../api-error.js';
import { bookingInvite } from '../calendar.js';
import { requestMeta } from '../command-meta.js';
import type { RouteContext } from '../context.js';
import { runForMove } from '../reschedule-run.js';
import { BookingParams, errorResponses, ManageBody, ManageQuery, RescheduleBody } from '../schemas.js';
import { bookingView } from '../views.js';

// A client's own booking, from the phone that booked it (its session) or from anywhere
// with the private manage token. Unknown reference and wrong token get the same 404, so
// references cannot be probed.

const tags = ['bookings'];

export const bookingRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { engine, clock, settings } = ctx;
    const cutoffMs = settings.cancelCutoffHours * 3_600_000;

    const authorised = (ref: string, clientId: string, token: string | undefined): BookingRecord => {
      const booking = engine.models.bookings.byId.get(ref.toUpperCase());
      const allowed =
        booking !== undefined && (booking.clientId === clientId || ctx.manageTokens.verify(booking.bookingId, token));
      if (!allowed) throw new ApiError(404, 'booking_not_found', 'no booking with that reference and token');
      return booking;
    };
    /** Online changes stop CANCEL_CUTOFF_HOURS before the appointment: then the client calls. */
    const beforeCutoff = (booking: BookingRecord, what: 'cancelled' | 'moved', code: string): void => {
      if (clock.now() <= booking.startsAt - cutoffMs) return;
      throw new ApiError(
        409,
        code,
        `bookings can be ${what} online until ${settings.cancelCutoffHours} hours before; please call the salon`,
      );
    };
    const manageRoute = {
      config: settings.rateLimitPerMinute > 0 ? { rateLimit: { max: settings.rateLimitPerMinute } } : {},
      response: {
        200: Type.Object({ message: Type.String(), booking: Type.Ref('Booking') }),
        ...errorResponses(400, 404, 409, 429, 503),
      },
    };
    const view = (booking: BookingRecord) =>
      bookingView(booking, {
        now: clock.now(),
        cancelCutoffMs: cutoffMs,
        manageToken: ctx.manageTokens.issue(booking.bookingId),
      });

    app.get(
      '/api/bookings/:ref',
      {
        schema: {
          tags,
          summary: 'Your booking',
          params: BookingParams,
          querystring: ManageQuery,
          response: { 200: Type.Object({ booking: Type.Ref('Booking') }), ...errorResponses(400, 404) },
        },
      },
      async (request) => ({ booking: view(authorised(request.params.ref, request.clientId, request.query.token)) }),
    );

    app.post(
      '/api/bookings/:ref/cancel',
      {
        config: manageRoute.config,
        schema: {
          tags,
          summary: `Cancel your booking (until CANCEL_CUTOFF_HOURS before it starts)`,
          params: BookingParams,
          querystring: ManageQuery,
          body: ManageBody,
          response: manageRoute.response,
        },
      },
      async (request) => {
        const token = request.body.token ?? request.query.token;
        const booking = authorised(request.params.ref, request.clientId, token);
        if (booking.status === 'cancelled')
          return { message: 'This booking was already cancelled.', booking: view(booking) };
        beforeCutoff(booking, 'cancelled', 'cancel_cutoff_passed');
        await engine.cancelBooking(
          booking.slotId,
          { by: 'client', bookingId: booking.bookingId },
          { actor: { kind: 'client', id: request.clientId }, ...requestMeta(request) },
        );
        const after = engine.models.bookings.byId.get(booking.bookingId) ?? booking;
        request.log.info({ reference: booking.bookingId }, 'booking cancelled by client');
        return { message: 'Booking cancelled.', booking: view(after) };
      },
    );

    app.post(
      '/api/bookings/:ref/reschedule',
      {
        config: manageRoute.config,
        schema: {
          tags,
          summary: 'Move your booking to another start (same service), until CANCEL_CUTOFF_HOURS before it',
          description:
            '`slot_id` is the new first slot: a start option from GET /api/timeslots?service=<the booking’s ' +
            'service>. In one write the new slots are booked and the old ones freed, or nothing changes (409 ' +
            '`slot_taken`, `service_does_not_fit`). The reference stays; the calendar invite gets a new SEQUENCE.',
          params: BookingParams,
          querystring: ManageQuery,
          body: RescheduleBody,
          response: manageRoute.response,
        },
      },
      async (request) => {
        const token = request.body.token ?? request.query.token;
        const booking = authorised(request.params.ref, request.clientId, token);
        if (booking.status === 'cancelled') {
          throw new ApiError(409, 'booking_cancelled', 'this booking was cancelled; make a new one');
        }
        beforeCutoff(booking, 'moved', 'reschedule_cutoff_passed');
        const to = runForMove(engine.models, booking, request.body.slot_id);
        await engine.reschedule(
          booking.bookingId,
          to,
          { by: 'client' },
          { actor: { kind: 'client', id: request.clientId }, ...requestMeta(request) },
        );
        const after = engine.models.bookings.byId.get(booking.bookingId) ?? booking;
        request.log.info({ reference: booking.bookingId, to: after.slotId }, 'booking moved by client');
        return { message: 'Booking moved.', booking: view(after) };
      },
    );

    app.get(
      '/api/bookings/:ref/calendar.ics',
      {
        schema: {
          tags,
          summary: 'Your booking as a calendar invite',
          params: BookingParams,
          querystring: ManageQuery,
          response: {
            200: Type.String({ description: 'text/calendar' }),
            ...errorResponses(400, 404),
          },
        },
      },
      async (request, reply) => {
        const booking = authorised(request.params.ref, request.clientId, request.query.token);
        return reply
          .type('text/calendar; charset=utf-8')
          .header('content-disposition', `attachment; filename="${booking.bookingId}.ics"`)
          .send(bookingInvite(booking, settings.salonName));
      },
    );
  };
