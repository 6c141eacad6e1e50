import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresLog } from '../../src/eventlog/postgres.js';
import { tempDir, until } from '../support/fixtures.js';
import { multiProcessScenarios } from '../support/multi-process-scenarios.js';
import { type Cluster, freshSchema, postgresMissing, startPostgres } from '../support/postgres.js';
import { assertBuilt, browser, type ServerProcess, startServer, stopServer } from '../support/server-process.js';
import { connectLive } from '../support/ws-client.js';

// Several app processes on one real PostgreSQL server (a throwaway cluster): the engine-level
// scenarios every shared log runs, then two real app processes (dist/src/main.js) on it.

const missing = postgresMissing();
let cluster: Cluster | undefined;
const url = (): string => {
  if (cluster === undefined) throw new Error('no cluster');
  return cluster.url;
};

describe.skipIf(missing)('on PostgreSQL', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(() => cluster?.stop());

  multiProcessScenarios('postgres, a pool and a listener per process', () => {
    const schema = freshSchema();
    const logs: Array<{ close(): Promise<void> }> = [];
    return {
      connect: async (clock) => {
        const log = createPostgresLog({ connectionString: url(), schema, clock, pollMs: 200 });
        await log.ready();
        logs.push(log);
        return log;
      },
      cleanup: () => undefined,
    };
  });

  describe('two app processes on one PostgreSQL', () => {
    const HOLD_SECONDS = 2;
    let servers: ServerProcess[] = [];
    const dir = tempDir('holdfast-pg-multi-');
    beforeAll(assertBuilt);
    afterEach(async () => {
      for (const server of servers) await stopServer(server);
      servers = [];
    });
    afterAll(() => dir.remove());

    it('one session served by both, live pushes across processes, one expiry per hold, one winner of a race', async () => {
      const env = {
        DATA_DIR: dir.path,
        DATABASE_URL: url(),
        PG_SCHEMA: freshSchema(),
        HOLD_SECONDS: String(HOLD_SECONDS),
        DEMO: '1',
        RATE_LIMIT_PER_MINUTE: '0',
        MAX_HOLDS_PER_IP: '0',
      };
      servers = await Promise.all([startServer(env), startServer(env)]);
      const [a, b] = servers as [ServerProcess, ServerProcess];
      expect(a.output()).toContain('event log: postgres (postgres://postgres@127.0.0.1:');

      const anon = (base: string) => browser(base).call('GET', '/api/timeslots?include=all');
      await until(async () => (await anon(a.base)).body.length === (await anon(b.base)).body.length);
      const slots = (await anon(a.base)).body as unknown as Array<{ id: string; status: string }>;
      expect(slots.length).toBeGreaterThan(10);
      expect(new Set(slots.map((s) => s.id)).size).toBe(slots.length); // the demo opened once
      const [first, second, third] = [slots[0]?.id ?? '', slots[1]?.id ?? '', slots[2]?.id ?? ''];

      const live = await connectLive(`${b.base.replace('http', 'ws')}/api/live`);
      await live.next((m) => m.type === 'snapshot');

      // Alice holds at A and books at B with one session; B's live client hears of A's hold.
      const jar = {};
      const aliceAtA = browser(a.base, jar);
      const aliceAtB = browser(b.base, jar);
      expect((await aliceAtA.call('POST', `/api/timeslots/${first}/reserve`, {})).status).toBe(200);
      const pushed = await live.next((m) => m.type === 'slot' && m.timeslot?.id === first);
      expect(pushed.timeslot).toMatchObject({ id: first, status: 'unavailable' });
      expect(await browser(b.base).call('POST', `/api/timeslots/${first}/reserve`, {})).toMatchObject({
        status: 409,
        body: { error: 'slot_taken' },
      });
      const booked = await aliceAtB.call('POST', `/api/timeslots/${first}/book`, {
        customer: { name: 'Alice', phone: '07700 900001' },
      });
      expect(booked.status).toBe(200);
      const reference = String(booked.body.booking?.reference);
      await until(async () => (await aliceAtA.call('GET', `/api/bookings/${reference}`)).status === 200);

      // Carol's hold lapses: both processes time it; exactly one expiry is written.
      expect((await browser(a.base).call('POST', `/api/timeslots/${second}/reserve`, {})).status).toBe(200);
      await live.next(
        (m) => m.type === 'slot' && m.timeslot?.id === second && m.timeslot.status === 'available',
        10_000,
      );

      // A race for one slot, split over both processes: exactly one winner.
      const racers = Array.from({ length: 10 }, (_, i) => browser(i % 2 === 0 ? a.base : b.base));
      const results = await Promise.all(racers.map((r) => r.call('POST', `/api/timeslots/${third}/reserve`, {})));
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      expect(results.filter((r) => r.status !== 200).map((r) => r.body.error)).toEqual(Array(9).fill('slot_taken'));

      await new Promise((r) => setTimeout(r, 500)); // a second expiry, if one were coming, would be in by now
      const ownerToken = (await import('node:fs')).readFileSync(`${dir.path}/owner-token`, 'utf8').trim();
      const history = async (slot: string) =>
        (
          (
            await browser(b.base, {}, { authorization: `Bearer ${ownerToken}` }).call(
              'GET',
              `/api/admin/timeslots/${slot}/history`,
            )
          ).body.events as Array<{ type: string }>
        ).map((e) => e.type);
      expect(await history(second)).toEqual(['TimeslotOpened', 'TimeslotReserved', 'ReservationExpired']);
      expect(await history(first)).toEqual(['TimeslotOpened', 'TimeslotReserved', 'TimeslotBooked']);
      expect(await history(third)).toEqual(['TimeslotOpened', 'TimeslotReserved']);
      live.close();
    }, 60_000);
  });
});
