import Fastify from 'fastify';

// The ceiling: Fastify with nothing behind it. Same paths and bodies as the real routes,
// answered at once, so a flow against it measures only HTTP on this machine.

const app = Fastify({ logger: false });
app.get('/readyz', async () => ({ ready: true }));
app.post<{ Params: { id: string } }>('/api/timeslots/:id/reserve', async (request) => ({
  id: request.params.id,
  status: 'reserved',
}));
app.post<{ Params: { id: string } }>('/api/timeslots/:id/book', async (request) => ({
  id: request.params.id,
  status: 'booked',
}));
await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
