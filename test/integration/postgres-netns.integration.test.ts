import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from '../../bench/baseline/postgres-cluster.js';
import { checkLog, describeViolations } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { createPostgresLog } from '../../src/eventlog/postgres.js';
import { tempDir, until } from '../support/fixtures.js';
import { createNamespace, type Link, type Namespace, netnsMissing } from '../support/netns.js';
import { type Cluster, freePort, freshSchema, postgresMissing } from '../support/postgres.js';
import { assertBuilt, browser, type ServerProcess, startServer, stopServer } from '../support/server-process.js';

// Across machines: each app process in a network namespace of its own, reaching PostgreSQL
// over a veth link (and its clients over another), and one link cut mid-traffic
// (`ip link set … down`: no reset, packets just stop, as with a pulled cable) and restored.
// While cut, that process refuses commands with 503 log_unavailable and /readyz says so; the
// other serves on; once restored both serve, and every acknowledged booking is in the log.

const missing = postgresMissing() || netnsMissing();

describe.skipIf(missing)('app processes in their own network namespaces on one PostgreSQL', () => {
  let cluster: Cluster | undefined;
  const spaces: Namespace[] = [];
  const links: Array<{ db: Link; web: Link; ns: Namespace }> = [];
  let servers: ServerProcess[] = [];
  const dir = tempDir('holdfast-pg-netns-');
  beforeAll(async () => {
    assertBuilt();
    cluster = startCluster(await freePort(), { listen: '*', trustNetworks: ['10.201.0.0/16'] });
    for (const [i, side] of ['a', 'b'].entries()) {
      const ns = createNamespace(`hf${process.pid % 100_000}${side}`);
      spaces.push(ns);
      links.push({ ns, db: ns.link(`10.201.${i + 1}`), web: ns.link(`10.202.${i + 1}`) });
    }
  }, 60_000);
  afterEach(async () => {
    for (const server of servers) await stopServer(server);
    servers = [];
  });
  afterAll(() => {
    for (const link of links) link.db.up();
    for (const ns of spaces) ns.remove();
    cluster?.stop();
    dir.remove();
  });

  it('a cut link: that process answers 503 and says so, the other serves, nothing acknowledged is lost, both resume', async () => {
    const schema = freshSchema();
    const port = cluster?.port ?? 0;
    servers = await Promise.all(
      links.map(({ ns, db, web }) =>
        startServer(
          {
            DATA_DIR: dir.path,
            DATABASE_URL: `postgres://postgres@${db.hostAddress}:${port}/postgres`,
            PG_SCHEMA: schema,
            PG_STATEMENT_TIMEOUT_MS: '1000',
            DEMO: '1',
            RATE_LIMIT_PER_MINUTE: '0',
            MAX_HOLDS_PER_IP: '0',
            HOLD_PRESSURE_PERCENT: '0',
          },
          { wrap: ns.exec, host: web.nsAddress },
        ),
      ),
    );
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const [linkA] = links;
    if (linkA === undefined) throw new Error('no link');
    const free = async (base: string) =>
      ((await browser(base).call('GET', '/api/timeslots')).body as unknown as Array<{ id: string }>).map((s) => s.id);
    await until(async () => (await free(a.base)).length > 20 && (await free(b.base)).length > 20, 20_000);
    const queue = await free(a.base);
    const acknowledged: Array<{ slot: string; reference: string }> = [];
    const book = async (base: string) => {
      const slot = queue.shift() ?? '';
      const jar = {};
      const held = await browser(base, jar).call('POST', `/api/timeslots/${slot}/reserve`, {});
      if (held.status !== 200) return held;
      const booked = await browser(base, jar).call('POST', `/api/timeslots/${slot}/book`, {
        customer: { name: 'Net Split', phone: '07700 900001' },
      });
      if (booked.status === 200) acknowledged.push({ slot, reference: String(booked.body.booking?.reference) });
      return booked;
    };
    for (const base of [a.base, b.base, a.base, b.base]) expect((await book(base)).status).toBe(200);

    linkA.db.down();
    const refused = await book(a.base);
    expect(refused).toMatchObject({ status: 503, body: { error: 'log_unavailable' } });
    const readyA = async () => {
      const res = await fetch(`${a.base}/readyz`);
      return { status: res.status, body: (await res.json()) as { error?: string } };
    };
    expect(await readyA()).toMatchObject({ status: 503, body: { error: 'log_unavailable' } });
    expect((await book(b.base)).status).toBe(200); // the other machine serves on
    expect(a.proc.exitCode).toBeNull();

    linkA.db.up();
    await until(async () => (await readyA()).status === 200, 30_000);
    await until(async () => (await book(a.base)).status === 200, 30_000);
    expect((await book(b.base)).status).toBe(200);
    const bookedAtB = acknowledged.at(-3)?.slot ?? ''; // the booking at B while A was cut off
    await until(async () => !(await free(a.base)).includes(bookedAtB), 10_000);

    const log = createPostgresLog({ connectionString: cluster?.url ?? '', schema, readonly: true });
    try {
      const events = await readWholeLog(log);
      expect(describeViolations(checkLog(events, Date.now()).violations)).toEqual([]);
      for (const { slot, reference } of acknowledged) {
        const booked = events.filter((e) => e.streamId === `timeslot-${slot}` && e.type === 'TimeslotBooked');
        expect(booked.map((e) => (e.data as { bookingId: string }).bookingId)).toEqual([reference]);
      }
      expect(acknowledged.length).toBeGreaterThanOrEqual(7);
    } finally {
      await log.close();
    }
  }, 120_000);
});
