import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { slotsBetween } from '../../../projections/index.js';
import { ApiError } from '../api-error.js';
import { requestMeta } from '../command-meta.js';
import type { RouteContext } from '../context.js';
import { toApiError } from '../errors.js';
import { errorResponses } from '../schemas.js';
import { actorOf, columnOf, ensureColumn } from '../staff-auth.js';
import { MAX_WINDOW_DAYS, parseSalonTime } from '../time-range.js';

// Time off: a stylist (or the owner, for anyone) closes every slot of one column over a
// range ("Tuesday from 13:00"), or reopens it. A booked slot is never closed over a client's
// head: it is listed back, for the salon to move or cancel; every other slot in the range
// that has not started is closed (a live hold on one ends). Slots already closed are left.

const tags = ['owner'];
const security = [{ owner: [] }, { console: [] }];
const DAY_MS = 86_400_000;

const Range = {
  stylist: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: "default: the signed-in stylist's" }),
  ),
  from: Type.String({ description: 'ISO date-time, a salon date, or a wall-clock time in SALON_TZ' }),
  to: Type.String(),
};
const Outcome = Type.Object({
  message: Type.String(),
  changed: Type.Array(Type.String(), { description: 'slot ids closed (or reopened) now' }),
  unchanged: Type.Integer({ description: 'slots already as asked' }),
  booked: Type.Array(
    Type.Object({ id: Type.String(), reference: Type.String(), start_time: Type.String({ format: 'date-time' }) }),
    { description: 'booked slots left open: cancel or move these bookings first' },
  ),
  failed: Type.Array(Type.Object({ id: Type.String(), error: Type.String(), message: Type.String() })),
});

export const adminTimeOffRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { engine, clock, settings } = ctx;

    const slotsFor = (request: FastifyRequest, body: { stylist?: string; from: string; to: string }) => {
      const stylist = body.stylist ?? columnOf(request);
      if (stylist === undefined) throw new ApiError(400, 'invalid_request', 'say whose time off (stylist)');
      ensureColumn(request, stylist);
      const from = Math.max(parseSalonTime(body.from, settings.salonTz, 'start'), clock.now());
      const to = parseSalonTime(body.to, settings.salonTz, 'end');
      if (to <= from) throw new ApiError(400, 'invalid_range', 'to must be after from (and after now)');
      if (to - from > MAX_WINDOW_DAYS * DAY_MS) {
        throw new ApiError(400, 'invalid_range', `at most ${MAX_WINDOW_DAYS} days at once`);
      }
      return slotsBetween(engine.models.availability, { from, to, stylist });
    };

    const each = async (ids: string[], act: (id: string) => Promise<unknown>) => {
      const outcomes = await Promise.allSettled(ids.map(act));
      const changed: string[] = [];
      const failed: Array<{ id: string; error: string; message: string }> = [];
      outcomes.forEach((o, i) => {
        const id = ids[i] as string;
        if (o.status === 'fulfilled') changed.push(id);
        else {
          const api = toApiError(o.reason);
          if (api === undefined) throw o.reason;
          failed.push({ id, error: api.code, message: api.message });
        }
      });
      return { changed, failed };
    };

    app.post(
      '/api/admin/time-off',
      {
        config: { access: 'staff' },
        schema: {
          tags,
          security,
          summary: "Close a stylist's slots over a range (time off); booked ones are listed, not closed",
          body: Type.Object({ ...Range, reason: Type.Optional(Type.String({ maxLength: 200 })) }),
          response: { 200: Outcome, ...errorResponses(400, 401, 403, 503) },
        },
      },
      async (request) => {
        const slots = slotsFor(request, request.body);
        const meta = { actor: actorOf(request), ...requestMeta(request) };
        const open = slots.filter((s) => s.status === 'available' || s.status === 'reserved');
        const booked = slots.filter((s) => s.status === 'booked');
        const reason = request.body.reason ?? 'time off';
        const { changed, failed } = await each(
          open.map((s) => s.slotId),
          (id) => engine.close(id, reason, meta),
        );
        request.log.info({ closed: changed.length, booked: booked.length }, 'time off');
        return {
          message: `Closed ${changed.length} slot${changed.length === 1 ? '' : 's'}.`,
          changed,
          unchanged: slots.length - open.length - booked.length,
          booked: booked.map((s) => ({
            id: s.slotId,
            reference: s.booking?.bookingId ?? '',
            start_time: new Date(s.startsAt).toISOString(),
          })),
          failed,
        };
      },
    );

    app.post(
      '/api/admin/time-off/reopen',
      {
        config: { access: 'staff' },
        schema: {
          tags,
          security,
          summary: "Reopen a stylist's closed slots over a range",
          body: Type.Object(Range),
          response: { 200: Outcome, ...errorResponses(400, 401, 403, 503) },
        },
      },
      async (request) => {
        const slots = slotsFor(request, request.body);
        const meta = { actor: actorOf(request), ...requestMeta(request) };
        const closed = slots.filter((s) => s.status === 'closed');
        const { changed, failed } = await each(
          closed.map((s) => s.slotId),
          (id) => engine.reopen(id, meta),
        );
        return {
          message: `Reopened ${changed.length} slot${changed.length === 1 ? '' : 's'}.`,
          changed,
          unchanged: slots.length - closed.length,
          booked: [],
          failed,
        };
      },
    );
  };
