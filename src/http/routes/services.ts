import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import type { Service } from '../../../machines/index.js';
import { activeServices, slotsBetween } from '../../../projections/index.js';
import type { RouteContext } from '../context.js';
import { errorResponses } from '../schemas.js';
import { actorOf } from '../staff-auth.js';

// The menu: the owner defines, edits and retires services; clients see the active ones.
// "Every stylist" is kept as such and shown as the stylists the salon has now (those with
// upcoming slots), so a stylist who joins offers every such service from their first day.

const fields = {
  id: Type.String({ description: 'readable and stable, from the name it was defined with' }),
  name: Type.String(),
  duration_minutes: Type.Integer(),
  stylists: Type.Array(Type.String(), { description: 'who offers it' }),
  price: Type.Optional(Type.String({ description: 'display text' })),
};
export const PublicService = Type.Object(fields);
export const OwnerService = Type.Object({ ...fields, active: Type.Boolean() });
const ServiceReply = Type.Object({ service: OwnerService });
const ServiceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const DefineBody = Type.Object({
  name: Type.String({ maxLength: 200 }),
  duration_minutes: Type.Integer(),
  stylists: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })),
  price: Type.Optional(Type.String({ maxLength: 100 })),
});
// null first: Fastify's validator coerces types, and would turn a null into "" for a
// string tried first (null here means "every stylist again" / "no price").
const ChangeBody = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 200 })),
  duration_minutes: Type.Optional(Type.Integer()),
  stylists: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.String({ maxLength: 100 }), { maxItems: 50 })])),
  price: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 100 })])),
});

type View = Static<typeof OwnerService>;

const DAY = 86_400_000;

const viewOf = (ctx: RouteContext) => {
  /** The stylists the salon has: those with slots in the next 92 days. */
  const everyone = (): string[] => {
    const now = ctx.clock.now();
    const upcoming = slotsBetween(ctx.engine.models.availability, { from: now, to: now + 92 * DAY });
    return [...new Set(upcoming.map((s) => s.stylist))].sort((a, b) => a.localeCompare(b));
  };
  return (service: Service, stylists = everyone()): View => ({
    id: service.serviceId,
    name: service.name,
    duration_minutes: service.durationMinutes,
    stylists: service.stylists ?? stylists,
    ...(service.price !== null && { price: service.price }),
    active: service.active,
  });
};

/** Public: what can be booked. */
export const serviceRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const view = viewOf(ctx);
    app.get(
      '/api/services',
      {
        schema: {
          tags: ['services'],
          summary: 'The services a client can book, in the salon’s order',
          response: { 200: Type.Array(PublicService) },
        },
      },
      async () => activeServices(ctx.engine.models.services).map((s) => view(s)),
    );
  };

/** Owner: the whole menu, retired services included. */
export const adminServiceRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { engine } = ctx;
    const view = viewOf(ctx);
    const tags = ['owner'];
    const security = [{ owner: [] }];

    app.get(
      '/api/admin/services',
      {
        schema: {
          tags,
          security,
          summary: 'Every service, retired ones included',
          response: { 200: Type.Array(OwnerService), ...errorResponses(401) },
        },
      },
      async () => [...engine.models.services.byId.values()].map((s) => view(s)),
    );

    app.post(
      '/api/admin/services',
      {
        schema: {
          tags,
          security,
          summary: 'Define a service: 201, or 409 service_exists for a name in use',
          body: DefineBody,
          response: { 201: ServiceReply, ...errorResponses(400, 401, 409, 503) },
        },
      },
      async (request, reply) => {
        const { name, duration_minutes, stylists, price } = request.body;
        const service = await engine.catalogue.define(
          { name, durationMinutes: duration_minutes, stylists, price },
          { requestId: request.id, actor: actorOf(request) },
        );
        return reply.code(201).send({ service: view(service) });
      },
    );

    app.patch(
      '/api/admin/services/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Change a service (holds and bookings already made keep what they were)',
          params: ServiceParams,
          body: ChangeBody,
          response: { 200: ServiceReply, ...errorResponses(400, 401, 404, 409, 503) },
        },
      },
      async (request) => {
        const { name, duration_minutes, stylists, price } = request.body;
        const service = await engine.catalogue.change(
          request.params.id,
          { name, durationMinutes: duration_minutes, stylists, price },
          { requestId: request.id, actor: actorOf(request) },
        );
        return { service: view(service) };
      },
    );

    app.post(
      '/api/admin/services/:id/retire',
      {
        schema: {
          tags,
          security,
          summary: 'Retire a service: no new bookings of it (existing ones stand)',
          params: ServiceParams,
          response: { 200: ServiceReply, ...errorResponses(401, 404, 503) },
        },
      },
      async (request) => ({
        service: view(
          await engine.catalogue.retire(request.params.id, { requestId: request.id, actor: actorOf(request) }),
        ),
      }),
    );
  };
