import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/fixtures.js';
import { type Cluster, freshSchema, postgresMissing, startPostgres } from '../support/postgres.js';
import { assertBuilt, browser, startServer, stopServer } from '../support/server-process.js';

// `npm run verify` and the read-model snapshot on a PostgreSQL log: an app process books,
// saves its snapshot on SIGTERM, the verifier reads the log from the server (and finds the
// snapshot equal to a replay), and the next start begins from the snapshot.

const VERIFY = join(import.meta.dirname, '../../dist/src/verify.js');
const missing = postgresMissing();

describe.skipIf(missing)('verify and snapshots on PostgreSQL', () => {
  let cluster: Cluster | undefined;
  const dir = tempDir('holdfast-pg-verify-');
  beforeAll(async () => {
    assertBuilt();
    cluster = await startPostgres();
  }, 60_000);
  afterAll(() => {
    cluster?.stop();
    dir.remove();
  });

  it('verifies the log on the server, checks the snapshot, and starts from it', async () => {
    const env = {
      DATA_DIR: dir.path,
      DATABASE_URL: cluster?.url ?? '',
      PG_SCHEMA: freshSchema(),
      DEMO: '1',
      RATE_LIMIT_PER_MINUTE: '0',
    };
    const first = await startServer(env);
    const alice = browser(first.base);
    const slots = (await alice.call('GET', '/api/timeslots')).body as unknown as Array<{ id: string }>;
    expect((await alice.call('POST', `/api/timeslots/${slots[0]?.id}/reserve`, {})).status).toBe(200);
    const booked = await alice.call('POST', `/api/timeslots/${slots[0]?.id}/book`, {
      customer: { name: 'Alice', phone: '07700 900001' },
    });
    expect(booked.status).toBe(200);
    first.proc.kill('SIGTERM');
    expect(await first.exited()).toBe(0);
    expect(first.output()).toContain('saved the read-model snapshot');

    const verified = spawnSync(process.execPath, [VERIFY, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, ...env, EVENTSTORE_URL: '' },
    });
    expect(verified.stderr).toBe('');
    expect(verified.status).toBe(0);
    const report = JSON.parse(verified.stdout) as {
      log: string;
      events: number;
      violations: unknown[];
      snapshot: unknown;
    };
    expect(report.log).toContain('postgres (postgres://postgres@127.0.0.1');
    expect(report.events).toBeGreaterThan(slots.length);
    expect(report.violations).toEqual([]);
    expect(JSON.stringify(report.snapshot)).toContain('matches');

    const second = await startServer(env);
    try {
      expect(second.output()).toContain('read models from snapshot');
      const reference = String(booked.body.booking?.reference);
      const token = String(booked.body.booking?.manage_token);
      const again = await browser(second.base).call('GET', `/api/bookings/${reference}?token=${token}`);
      expect(again.body.booking?.status).toBe('confirmed');
    } finally {
      await stopServer(second);
    }
  }, 60_000);
});
