import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { slotsBetween } from '../../../projections/index.js';
import { AdminRangeQuery, HistoryReply, ReasonBody, StateQuery } from '../admin-schemas.js';
import { ApiError } from '../api-error.js';
import { requestMeta } from '../command-meta.js';
import type { RouteContext } from '../context.js';
import { errorResponses, SlotIdParams } from '../schemas.js';
import { actorOf, columnOf, ensureColumn, ownColumnFilter } from '../staff-auth.js';
import { parseInstant, parseRange, startOfSalonDay } from '../time-range.js';
import { ownerSlot } from '../views.js';

// The owner's schedule: every slot with its real state, closing and reopening, and the
// audit trail — every event of a slot, and the slot as it was at any past instant.

const tags = ['owner'];
const security = [{ owner: [] }, { console: [] }];

export const adminSlotRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { engine, clock, settings } = ctx;
    const owner = (request: FastifyRequest) => ({ actor: actorOf(request), ...requestMeta(request) });
    /** A stylist acts on and reads their own column's slots only. */
    const ensureOwnSlot = (request: FastifyRequest, slotId: string): void => {
      if (columnOf(request) === undefined) return;
      const slot = engine.models.availability.slots.get(slotId);
      if (slot === undefined) throw new ApiError(404, 'slot_not_found', 'no such timeslot');
      ensureColumn(request, slot.stylist);
    };
    const config = { access: 'staff' as const };
    const slotReply = (message: string, slotId: string) => {
      const slot = engine.models.availability.slots.get(slotId);
      if (slot === undefined) throw new Error(`slot ${slotId} missing from read model`);
      return { message, timeslot: ownerSlot(slot, engine.models, clock.now()) };
    };
    const SlotReply = Type.Object({ message: Type.String(), timeslot: Type.Ref('OwnerSlot') });

    app.get(
      '/api/admin/timeslots',
      {
        config,
        schema: {
          tags,
          security,
          summary:
            "Every slot with holds and bookings (default: from the start of today, 31 days); a stylist's own column",
          querystring: AdminRangeQuery,
          response: { 200: Type.Array(Type.Ref('OwnerSlot')), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const now = clock.now();
        const range = parseRange(request.query, settings.salonTz, startOfSalonDay(now, settings.salonTz));
        const stylist = ownColumnFilter(request, request.query.stylist || undefined);
        const query = { ...range, ...(stylist && { stylist }) };
        return slotsBetween(engine.models.availability, query).map((s) => ownerSlot(s, engine.models, now));
      },
    );

    app.post(
      '/api/admin/timeslots/:id/close',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Close a slot (a live hold on it is cancelled; a booked slot must be cancelled first)',
          params: SlotIdParams,
          body: ReasonBody,
          response: { 200: SlotReply, ...errorResponses(400, 401, 404, 409, 503) },
        },
      },
      async (request) => {
        ensureOwnSlot(request, request.params.id);
        await engine.close(request.params.id, request.body.reason, owner(request));
        return slotReply('Timeslot closed.', request.params.id);
      },
    );

    app.post(
      '/api/admin/timeslots/:id/reopen',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Reopen a closed slot',
          params: SlotIdParams,
          body: Type.Object({}),
          response: { 200: SlotReply, ...errorResponses(401, 404, 409, 503) },
        },
      },
      async (request) => {
        ensureOwnSlot(request, request.params.id);
        await engine.reopen(request.params.id, owner(request));
        return slotReply('Timeslot reopened.', request.params.id);
      },
    );

    app.get(
      '/api/admin/timeslots/:id/history',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'Every event of a slot: type, time, who, data',
          params: SlotIdParams,
          response: { 200: HistoryReply, ...errorResponses(401, 404, 503) },
        },
      },
      async (request) => {
        ensureOwnSlot(request, request.params.id);
        const history = await engine.history(request.params.id);
        return {
          slot_id: request.params.id,
          events: history.map(({ requestId, ...entry }) => ({
            ...entry,
            ...(requestId !== undefined && { request_id: requestId }),
          })),
        };
      },
    );

    app.get(
      '/api/admin/timeslots/:id/state',
      {
        config,
        schema: {
          tags,
          security,
          summary: 'The slot as it was at an instant, rebuilt by replaying its events',
          params: SlotIdParams,
          querystring: StateQuery,
          response: {
            200: Type.Object({
              slot_id: Type.String(),
              at: Type.String({ format: 'date-time' }),
              timeslot: Type.Union([Type.Ref('OwnerSlot'), Type.Null()], {
                description: 'null when the slot was not yet opened then',
              }),
            }),
            ...errorResponses(400, 401, 404, 503),
          },
        },
      },
      async (request) => {
        ensureOwnSlot(request, request.params.id);
        const at = parseInstant(request.query.at, settings.salonTz);
        const slot = await engine.stateAt(request.params.id, at);
        return {
          slot_id: request.params.id,
          at: new Date(at).toISOString(),
          timeslot: slot === undefined ? null : ownerSlot(slot, engine.models, at),
        };
      },
    );
  };
