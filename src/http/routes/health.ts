import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../api-error.js';
import type { RouteContext } from '../context.js';
import { errorResponses } from '../schemas.js';

// Liveness (the process answers), readiness (the log is replayed, expired holds are settled,
// start-up work such as a first start's demo schedule is done, and the log still takes
// appends: send traffic), and Prometheus metrics.

export const healthRoutes =
  (ctx: RouteContext): FastifyPluginAsyncTypebox =>
  async (app) => {
    const tags = ['operations'];
    app.get(
      '/healthz',
      { schema: { tags, summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      {
        schema: {
          tags,
          summary: 'Readiness: 503 until start-up (replay, a first demo schedule) is done, and once the log has failed',
          response: {
            200: Type.Object({ status: Type.Literal('ready'), position: Type.Integer() }),
            ...errorResponses(503),
          },
        },
      },
      async () => {
        if (!ctx.engine.ready) {
          throw new ApiError(503, 'not_ready', 'replaying the booking log', { 'retry-after': '1' });
        }
        const pending = ctx.startup?.pending;
        if (pending !== undefined) throw new ApiError(503, 'not_ready', pending, { 'retry-after': '1' });
        const failure = ctx.engine.logFailure;
        if (failure !== undefined) {
          // Every append is refused until a restart: take this process out of rotation.
          throw new ApiError(503, 'log_failed', `${failure.message}: restart the process`);
        }
        return { status: 'ready' as const, position: ctx.engine.models.position };
      },
    );
    app.get('/metrics', { schema: { tags, summary: 'Prometheus metrics' } }, async (_request, reply) =>
      reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
    );
  };
