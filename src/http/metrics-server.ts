import Fastify from 'fastify';
import type { Metrics } from '../metrics.js';

// Prometheus metrics on a listener of their own (METRICS_PORT, on METRICS_HOST: 127.0.0.1
// unless set), for a scraper on the same host or a private network: no token, and nothing
// else served. The public port's /metrics needs METRICS_TOKEN instead.

export const startMetricsServer = async (metrics: Metrics, options: { port: number; host: string }) => {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  await app.listen({ port: options.port, host: options.host });
  return app;
};
