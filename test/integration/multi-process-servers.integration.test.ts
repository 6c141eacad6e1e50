import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EventStoreStandin, startEventStoreStandin } from '../support/esdb-standin/server.js';
import { tempDir, until } from '../support/fixtures.js';
import { assertBuilt, browser, type ServerProcess, startServer, stopServer } from '../support/server-process.js';
import { connectLive } from '../support/ws-client.js';

// Two real app processes (dist/src/main.js, what `npm start` runs) on one log, started
// together on an empty log with a shared DATA_DIR (as docker-compose's replicas share a
// volume): once on one SQLite file, once on KurrentDB (the wire-level stand-in). A
// client may talk to either process, with the same session, and sees one truth.

const HOLD_SECONDS = 2;

type Setup = { env: Record<string, string>; cleanup(): Promise<void> | void };

const onSqlite = async (): Promise<Setup> => {
  const dir = tempDir('holdfast-multi-');
  return { env: { DATA_DIR: dir.path }, cleanup: () => dir.remove() };
};

const onEventStore = async (): Promise<Setup> => {
  const dir = tempDir('holdfast-multi-');
  const standin: EventStoreStandin = await startEventStoreStandin();
  return {
    env: { DATA_DIR: dir.path, EVENTSTORE_URL: standin.url },
    cleanup: async () => {
      await standin.stop();
      dir.remove();
    },
  };
};

beforeAll(assertBuilt);

describe.each([
  ['one SQLite file', onSqlite],
  ['KurrentDB (stand-in)', onEventStore],
])('two app processes on %s', (name, setUp) => {
  let setup: Setup | undefined;
  let servers: ServerProcess[] = [];
  afterEach(async () => {
    for (const server of servers) await stopServer(server);
    servers = [];
    await setup?.cleanup();
  });

  it('open the demo once, share sessions, refuse a held slot, push each other’s changes, expire a hold once', async () => {
    setup = await setUp();
    const env = { ...setup.env, HOLD_SECONDS: String(HOLD_SECONDS), DEMO: '1', RATE_LIMIT_PER_MINUTE: '0' };
    servers = await Promise.all([startServer(env), startServer(env)]);
    const [a, b] = servers as [ServerProcess, ServerProcess];
    if (name.startsWith('KurrentDB')) expect(a.output()).toContain('event log: kurrentdb');
    else expect(a.output()).toContain('event log: sqlite');

    // Both started on an empty log and both opened the demo schedule: idempotently.
    const anon = (base: string) => browser(base).call('GET', '/api/timeslots?include=all');
    await until(async () => (await anon(a.base)).body.length === (await anon(b.base)).body.length);
    const slots = (await anon(a.base)).body as unknown as Array<{ id: string; status: string }>;
    expect(slots.length).toBeGreaterThan(10);
    expect(new Set(slots.map((s) => s.id)).size).toBe(slots.length);
    const ownerToken = readFileSync(join(setup.env.DATA_DIR ?? '', 'owner-token'), 'utf8').trim();
    const owner = (base: string) => browser(base, {}, { authorization: `Bearer ${ownerToken}` });
    const [first, second] = [slots[0]?.id ?? '', slots[1]?.id ?? ''];
    const history = async (slot: string) =>
      (
        (await owner(b.base).call('GET', `/api/admin/timeslots/${slot}/history`)).body.events as Array<{
          type: string;
        }>
      ).map((e) => e.type);
    expect(await history(first)).toEqual(['TimeslotOpened']);

    // B's live clients hear of A's hold.
    const live = await connectLive(`${b.base.replace('http', 'ws')}/api/live`);
    await live.next((m) => m.type === 'snapshot');

    // Alice holds at A and books at B with the same session: the processes are interchangeable.
    const jar = {};
    const aliceAtA = browser(a.base, jar);
    const aliceAtB = browser(b.base, jar);
    expect((await aliceAtA.call('POST', `/api/timeslots/${first}/reserve`, {})).status).toBe(200);
    const pushed = await live.next((m) => m.type === 'slot' && m.timeslot?.id === first);
    expect(pushed.timeslot).toMatchObject({ id: first, status: 'unavailable' });
    const bob = browser(b.base);
    const refused = await bob.call('POST', `/api/timeslots/${first}/reserve`, {});
    expect(refused).toMatchObject({ status: 409, body: { error: 'slot_taken' } });
    const booked = await aliceAtB.call('POST', `/api/timeslots/${first}/book`, {
      customer: { name: 'Alice', phone: '07700 900001' },
    });
    expect(booked.status).toBe(200);
    // Reads come from each process's own projection: A shows the booking once it has followed
    // B's write (milliseconds; the README says so). Commands never wait on that.
    const reference = String(booked.body.booking?.reference);
    await until(async () => (await aliceAtA.call('GET', `/api/bookings/${reference}`)).status === 200);

    // Carol's hold lapses: both processes time it; exactly one expiry is written.
    const carol = browser(a.base);
    expect((await carol.call('POST', `/api/timeslots/${second}/reserve`, {})).status).toBe(200);
    await live.next((m) => m.type === 'slot' && m.timeslot?.id === second && m.timeslot.status === 'unavailable');
    await live.next((m) => m.type === 'slot' && m.timeslot?.id === second && m.timeslot.status === 'available', 10_000);
    const isFree = async (base: string) =>
      ((await anon(base)).body as unknown as Array<{ id: string; status: string }>).find((s) => s.id === second)
        ?.status === 'available';
    await until(async () => (await isFree(a.base)) && (await isFree(b.base)));
    await new Promise((r) => setTimeout(r, 500)); // a second expiry, if one were coming, would be in by now
    expect(await history(second)).toEqual(['TimeslotOpened', 'TimeslotReserved', 'ReservationExpired']);
    expect(await history(first)).toEqual(['TimeslotOpened', 'TimeslotReserved', 'TimeslotBooked']);
    live.close();
  });
});
