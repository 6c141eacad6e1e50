import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkLog, describeViolations } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { createPostgresLog } from '../../src/eventlog/postgres.js';
import { tempDir, until } from '../support/fixtures.js';
import { type Cluster, freshSchema, postgresMissing, startPostgres } from '../support/postgres.js';
import { assertBuilt, browser, type ServerProcess, startServer, stopServer } from '../support/server-process.js';

// Real app processes on a real PostgreSQL that goes away: stopped outright, and restarted as
// a crash (pg_ctl restart -m immediate) while bookings go through two processes, one of
// which is SIGKILLed at the same moment. Meanwhile commands answer 503 log_unavailable and
// /readyz says so; afterwards every acknowledged booking is in the log, exactly once, no
// slot is doubled (the verifier's checks over the whole log), and both processes serve.

const missing = postgresMissing();

describe.skipIf(missing)('app processes on PostgreSQL when it fails', () => {
  let cluster: Cluster | undefined;
  let servers: ServerProcess[] = [];
  const dir = tempDir('holdfast-pg-faults-');
  beforeAll(async () => {
    assertBuilt();
    cluster = await startPostgres();
  }, 60_000);
  afterEach(async () => {
    for (const server of servers) await stopServer(server);
    servers = [];
  });
  afterAll(() => {
    cluster?.stop();
    dir.remove();
  });

  const envFor = (schema: string) => ({
    DATA_DIR: dir.path,
    DATABASE_URL: cluster?.url ?? '',
    PG_SCHEMA: schema,
    PG_STATEMENT_TIMEOUT_MS: '2000',
    DEMO: '1',
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_HOLDS_PER_IP: '0',
    HOLD_PRESSURE_PERCENT: '0',
  });
  const ready = async (base: string) => {
    const res = await fetch(`${base}/readyz`).catch(() => undefined);
    return { status: res?.status ?? 0, body: res === undefined ? {} : ((await res.json()) as { error?: string }) };
  };
  const available = async (base: string) =>
    ((await browser(base).call('GET', '/api/timeslots')).body as unknown as Array<{ id: string }>).map((s) => s.id);

  it('answers 503 log_unavailable while the server is down, says so on /readyz, stays up and resumes', async () => {
    const server = await startServer(envFor(freshSchema()));
    servers.push(server);
    await until(async () => (await available(server.base)).length > 10, 15_000);
    const [first, second] = await available(server.base);

    await cluster?.pause();
    const client = browser(server.base);
    expect(await client.call('POST', `/api/timeslots/${first}/reserve`, {})).toMatchObject({
      status: 503,
      body: { error: 'log_unavailable' },
    });
    await until(async () => (await ready(server.base)).body.error === 'log_unavailable', 10_000);
    expect((await ready(server.base)).status).toBe(503);
    expect(server.proc.exitCode).toBeNull();

    await cluster?.start();
    await until(async () => (await ready(server.base)).status === 200, 20_000);
    await until(async () => (await client.call('POST', `/api/timeslots/${second}/reserve`, {})).status === 200, 15_000);
    expect(server.proc.exitCode).toBeNull();
  }, 90_000);

  it('SIGKILL one process and crash-restart PostgreSQL mid-bookings: every acknowledged booking once, none doubled, both serve', async () => {
    const schema = freshSchema();
    const env = envFor(schema);
    servers = await Promise.all([startServer(env), startServer(env)]);
    await until(async () => (await available(servers[0]?.base ?? '')).length > 20, 15_000);
    const queue = await available(servers[0]?.base ?? '');
    const acknowledged: Array<{ slot: string; reference: string; phase: string }> = [];
    const refusedUnavailable = { count: 0 };
    let phase = 'before';
    let stop = false;

    // Each client holds at one process and books at the other, with one session per booking
    // (a hold left behind by a failed booking would count against the next one).
    const client = async (n: number) => {
      let turn = n;
      while (!stop) {
        const slot = queue.shift();
        if (slot === undefined) return;
        const jar = {};
        turn += 1;
        const [holdAt, bookAt] = [servers[turn % 2], servers[(turn + 1) % 2]];
        try {
          const held = await browser(holdAt?.base ?? '', jar).call('POST', `/api/timeslots/${slot}/reserve`, {});
          if (held.body.error === 'log_unavailable') refusedUnavailable.count += 1;
          if (held.status !== 200) continue;
          const booked = await browser(bookAt?.base ?? '', jar).call('POST', `/api/timeslots/${slot}/book`, {
            customer: { name: `Client ${n}`, phone: '07700 900001' },
          });
          if (booked.body.error === 'log_unavailable') refusedUnavailable.count += 1;
          if (booked.status === 200)
            acknowledged.push({ slot, reference: String(booked.body.booking?.reference), phase });
        } catch {
          await new Promise((r) => setTimeout(r, 50)); // the killed process: connection refused
        }
      }
    };
    const clients = Promise.all(Array.from({ length: 4 }, (_, n) => client(n)));

    await until(() => acknowledged.length >= 4, 15_000);
    phase = 'during';
    const killed = servers[0];
    await stopServer(killed); // SIGKILL, mid-request for some clients
    await cluster?.restart('immediate');
    const survivor = servers[1] as ServerProcess;
    expect(survivor.proc.exitCode).toBeNull();
    const restarted = await startServer(env, { untilReady: false });
    servers[0] = restarted;
    await until(async () => (await ready(restarted.base)).status === 200, 30_000);
    await until(async () => (await ready(survivor.base)).status === 200, 30_000);
    phase = 'after';
    const afterCount = acknowledged.length;
    await until(() => acknowledged.filter((a) => a.phase === 'after').length >= 4 || queue.length === 0, 20_000);
    stop = true;
    await clients;
    expect(acknowledged.length).toBeGreaterThan(afterCount);

    // Both processes serve again: a hold at each.
    const rest = await available(survivor.base);
    for (const [i, server] of [restarted, survivor].entries()) {
      expect((await browser(server.base).call('POST', `/api/timeslots/${rest[i]}/reserve`, {})).status).toBe(200);
    }

    // The whole log, as the verifier reads it.
    const log = createPostgresLog({ connectionString: cluster?.url ?? '', schema, readonly: true });
    try {
      const events = await readWholeLog(log);
      const report = checkLog(events, Date.now());
      expect(describeViolations(report.violations)).toEqual([]);
      for (const { slot, reference } of acknowledged) {
        const booked = events.filter((e) => e.streamId === `timeslot-${slot}` && e.type === 'TimeslotBooked');
        expect(booked.map((e) => (e.data as { bookingId: string }).bookingId)).toEqual([reference]);
      }
      // Every booking the log holds was made once: no slot carries two.
      const bookedSlots = events.filter((e) => e.type === 'TimeslotBooked').map((e) => e.streamId);
      expect(new Set(bookedSlots).size).toBe(bookedSlots.length);
    } finally {
      await log.close();
    }
    const ownerToken = readFileSync(join(dir.path, 'owner-token'), 'utf8').trim();
    expect(ownerToken.length).toBeGreaterThan(20);
  }, 100_000);
});
