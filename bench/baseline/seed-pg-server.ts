import { randomBytes } from 'node:crypto';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import pg from 'pg';

// The seed's design, as its request describes it, for the benchmark's baseline: one
// `timeslots` row per slot, each command a transaction that locks the row with
// SELECT … FOR UPDATE, a conditional UPDATE, and the 3-minute check in SQL; a sweeper
// returns lapsed holds every minute. Identity is a signed session cookie, as in our app,
// so both see the same requests. Same paths, bodies and status codes as ours.

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS timeslots (
  id          text PRIMARY KEY,
  stylist     text NOT NULL,
  start_time  timestamptz NOT NULL,
  end_time    timestamptz NOT NULL,
  status      text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'reserved', 'booked')),
  reserved_by text,
  reserved_at timestamptz,
  booked_by   text,
  booked_at   timestamptz,
  customer_name text
);
CREATE INDEX IF NOT EXISTS timeslots_status ON timeslots (status);
CREATE INDEX IF NOT EXISTS timeslots_reserved_at ON timeslots (reserved_at);`;

const pool = new pg.Pool({
  host: process.env.PG_HOST,
  port: Number(process.env.PG_PORT ?? 5432),
  user: 'postgres',
  database: 'postgres',
  max: Number(process.env.PG_POOL ?? 32),
});

const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
await app.register(cookie, { secret: process.env.SESSION_SECRET ?? randomBytes(32).toString('hex') });

// As in our app, a new session's cookie goes out only with a successful reply: a refused
// first request (a hot slot's losers) is not signed nor sent.
const sessionOf = (request: FastifyRequest): { user: string; fresh: boolean } => {
  const raw = request.cookies.hf_session;
  const unsigned = raw === undefined ? undefined : request.unsignCookie(raw);
  if (unsigned?.valid && unsigned.value !== null) return { user: unsigned.value, fresh: false };
  return { user: randomBytes(16).toString('base64url'), fresh: true };
};
const startSession = (reply: FastifyReply, session: { user: string; fresh: boolean }): void => {
  if (session.fresh) {
    reply.setCookie('hf_session', session.user, { signed: true, httpOnly: true, sameSite: 'lax', path: '/' });
  }
};

/** BEGIN … COMMIT on one pooled connection; ROLLBACK when `work` says no or throws. */
const inTransaction = async <T>(work: (db: pg.PoolClient) => Promise<{ commit: boolean; value: T }>) => {
  const db = await pool.connect();
  try {
    await db.query('BEGIN');
    const { commit, value } = await work(db);
    await db.query(commit ? 'COMMIT' : 'ROLLBACK');
    return value;
  } catch (error) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    db.release();
  }
};

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 100 } },
  required: ['id'],
} as const;

app.get('/readyz', async () => ({ ready: true }));

app.post<{ Params: { id: string } }>(
  '/api/timeslots/:id/reserve',
  { schema: { params: idParams } },
  async (request, reply) => {
    const session = sessionOf(request);
    const user = session.user;
    const outcome = await inTransaction(async (db) => {
      const found = await db.query('SELECT status FROM timeslots WHERE id = $1 FOR UPDATE', [request.params.id]);
      if (found.rowCount === 0) return { commit: false, value: 404 };
      const updated = await db.query(
        `UPDATE timeslots SET status = 'reserved', reserved_by = $2, reserved_at = NOW()
        WHERE id = $1 AND status = 'available'`,
        [request.params.id, user],
      );
      return updated.rowCount === 1 ? { commit: true, value: 200 } : { commit: false, value: 409 };
    });
    if (outcome === 404) return reply.code(404).send({ error: 'slot_not_found', message: 'no such timeslot' });
    if (outcome === 409) return reply.code(409).send({ error: 'slot_taken', message: 'this timeslot is taken' });
    startSession(reply, session);
    return { id: request.params.id, status: 'reserved', seconds_left: 180 };
  },
);

const bookBody = {
  type: 'object',
  properties: {
    customer: {
      type: 'object',
      properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, phone: { type: 'string', maxLength: 40 } },
      required: ['name'],
    },
  },
  required: ['customer'],
} as const;

app.post<{ Params: { id: string }; Body: { customer: { name: string } } }>(
  '/api/timeslots/:id/book',
  { schema: { params: idParams, body: bookBody } },
  async (request, reply) => {
    const session = sessionOf(request);
    const user = session.user;
    const booked = await inTransaction(async (db) => {
      const found = await db.query<{ reserved_by: string | null; fresh: boolean | null }>(
        `SELECT reserved_by, reserved_at >= NOW() - INTERVAL '3 minutes' AS fresh
           FROM timeslots WHERE id = $1 FOR UPDATE`,
        [request.params.id],
      );
      const row = found.rows[0];
      if (row?.reserved_by !== user || row.fresh !== true) return { commit: false, value: false };
      await db.query(
        `UPDATE timeslots SET status = 'booked', booked_by = $2, booked_at = NOW(), customer_name = $3,
                reserved_by = NULL, reserved_at = NULL
          WHERE id = $1`,
        [request.params.id, user, request.body.customer.name],
      );
      return { commit: true, value: true };
    });
    if (!booked) return reply.code(400).send({ error: 'no_hold', message: 'no live reservation of yours' });
    startSession(reply, session);
    return { id: request.params.id, status: 'booked', reference: randomBytes(6).toString('hex') };
  },
);

// The seed's expiry job: every minute, lapsed holds go back to available.
const sweeper = setInterval(() => {
  void pool
    .query(
      `UPDATE timeslots SET status = 'available', reserved_by = NULL, reserved_at = NULL
        WHERE status = 'reserved' AND reserved_at < NOW() - INTERVAL '3 minutes'`,
    )
    .catch(() => undefined);
}, 60_000);

await pool.query(SCHEMA);
await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
process.on('SIGTERM', () => {
  clearInterval(sweeper);
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
