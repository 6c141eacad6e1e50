import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, until } from '../support/fixtures.js';
import { assertBuilt, browser, type ServerProcess, startServer, stopServer } from '../support/server-process.js';

// The real process (what `npm start` runs) on a temp DATA_DIR: book and hold over HTTP,
// SIGKILL it mid-flight, start it again, and find the booking and the hold with its
// original deadline. Needs `npm run build` first (the `test` script does it).

const dir = tempDir('holdfast-process-');
let current: ServerProcess | undefined;

const start = async (): Promise<ServerProcess> => {
  current = await startServer({ DATA_DIR: dir.path, HOLD_SECONDS: '120', DEMO: '1', RATE_LIMIT_PER_MINUTE: '0' });
  return current;
};

beforeAll(assertBuilt);
afterAll(async () => {
  await stopServer(current);
  dir.remove();
});

describe('the real process', () => {
  it('keeps a booking and a live hold (same deadline) across SIGKILL, and stops cleanly on SIGTERM', async () => {
    const first = await start();
    const ownerToken = readFileSync(join(dir.path, 'owner-token'), 'utf8').trim();
    // The first start says where to go, gives the one-time link that sets up the owner's
    // account (also in DATA_DIR), and shows the API token, this once.
    await until(() => first.output().includes('Holdfast is ready'));
    expect(first.output()).toContain(`API token ${ownerToken}  (shown this once; kept in`);
    const setupLink = readFileSync(join(dir.path, 'owner-setup-link'), 'utf8').trim();
    expect(setupLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/owner\/setup\?token=setup-\d+\.[\w-]+$/);
    expect(first.output()).toContain(`Set up          ${setupLink}`);
    expect(first.output()).toMatch(/Booking page +http:\/\/127\.0\.0\.1:\d+\//);

    const alice = browser(first.base);
    const slots = (await alice.call('GET', '/api/timeslots')).body as unknown as Array<{ id: string }>;
    expect(slots.length).toBeGreaterThan(10); // the demo schedule: open before /readyz says ready
    const [booked, held] = [slots[0]?.id ?? '', slots[1]?.id ?? ''];
    expect((await alice.call('POST', `/api/timeslots/${booked}/reserve`, { user_id: 'alice' })).status).toBe(200);
    const confirmation = await alice.call('POST', `/api/timeslots/${booked}/book`, {
      customer: { name: 'Alice', phone: '07700 900001' },
    });
    expect(confirmation.status).toBe(200);
    const { reference, manage_token: token } = confirmation.body.booking;

    const bob = browser(first.base);
    const hold = await bob.call('POST', `/api/timeslots/${held}/reserve`);
    expect(hold.status).toBe(200);
    const deadline = hold.body.expires_at;

    first.proc.kill('SIGKILL');
    expect(await first.exited()).toBeNull();

    const second = await start();
    await until(() => second.output().includes('Holdfast is ready'));
    expect(second.output()).not.toContain(ownerToken); // never printed again: only in its file
    expect(second.output()).toContain(`the API token is in ${join(dir.path, 'owner-token')}`);
    expect(second.output()).not.toContain('opened the demo schedule');
    const stranger = browser(second.base);
    const found = await stranger.call('GET', `/api/bookings/${reference}?token=${token}`);
    expect([found.status, found.body.booking?.status, found.body.booking?.slot_id]).toEqual([200, 'confirmed', booked]);

    // Bob's browser still has its cookie: the session secret survived in DATA_DIR.
    const bobAgain = browser(second.base, bob.jar);
    const mine = (
      (await bobAgain.call('GET', '/api/timeslots')).body as unknown as Array<Record<string, unknown>>
    ).find((s) => s.id === held);
    expect(mine).toMatchObject({ status: 'reserved', yours: true, expires_at: deadline });
    expect((await stranger.call('POST', `/api/timeslots/${held}/reserve`)).status).toBe(409);

    const history = await fetch(`${second.base}/api/admin/timeslots/${held}/history`, {
      headers: { authorization: `Bearer ${ownerToken}` },
    }).then((r) => r.json() as Promise<{ events: Array<{ type: string }> }>);
    expect(history.events.map((e) => e.type)).toEqual(['TimeslotOpened', 'TimeslotReserved']);

    second.proc.kill('SIGTERM');
    expect(await second.exited()).toBe(0);
    expect(second.output()).toContain('"msg":"stopped"');
  });
});
