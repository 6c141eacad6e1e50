import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../api-error.js';
import type { RouteContext } from '../context.js';
import { bearerOf, tokenMatches } from '../owner-auth.js';
import { errorResponses } from '../schemas.js';

// Liveness (the process answers), readiness (the log is replayed, expired holds are settled,
// start-up work such as a first start's demo schedule is done, and the log still takes
// appends: send traffic), and Prometheus metrics. Metrics show the business (bookings,
// holds), so on this port they need METRICS_TOKEN; METRICS_PORT serves them on a listener
// of their own instead (src/http/metrics-server.ts), on loopback by default.

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
          summary:
            'Readiness: 503 until start-up (replay, a first demo schedule) is done, while the log is unreachable, and once it has failed',
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
        const outage = ctx.engine.logOutage;
        if (outage !== undefined) {
          // Passes by itself once the server is back: out of rotation meanwhile, not restarted.
          throw new ApiError(503, 'log_unavailable', 'the booking log is unreachable', { 'retry-after': '1' });
        }
        return { status: 'ready' as const, position: ctx.engine.models.position };
      },
    );
    app.get(
      '/metrics',
      {
        schema: {
          tags,
          summary: 'Prometheus metrics: Authorization: Bearer <METRICS_TOKEN>',
          response: { ...errorResponses(401) },
        },
      },
      async (request, reply) => {
        const token = ctx.settings.metricsToken;
        if (token === undefined) {
          throw new ApiError(401, 'metrics_token_required', 'set METRICS_TOKEN to scrape here, or METRICS_PORT');
        }
        if (!tokenMatches(token, bearerOf(request.headers.authorization))) {
          reply.header('www-authenticate', 'Bearer realm="holdfast-metrics"');
          throw new ApiError(401, 'unauthorized', 'metrics need Authorization: Bearer <METRICS_TOKEN>');
        }
        return reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
      },
    );
  };
