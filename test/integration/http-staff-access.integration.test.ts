import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_UNAUTHORISED } from '../../src/http/live/routes.js';
import { type AppRig, appRig, defaultSlots, OWNER_TOKEN, slotIdAt } from '../support/app-harness.js';
import { HOUR, T0 } from '../support/fixtures.js';
import {
  benSlot,
  errorOf,
  inviteAndJoin,
  joinBen,
  ORIGIN,
  rigWithBen,
  type StaffBrowser,
  setUpOwner,
} from '../support/staff.js';
import { connectLive, type LiveClient } from '../support/ws-client.js';

// Who may call what: every owner route (found in the API description, so a new route
// without a row here fails this test) as the owner's account, the API token, a stylist on
// their own column and on another's, nobody, and a forged cookie; the staff live socket; and
// a stylist's time off, which a client then cannot book.

let r: AppRig | undefined;
const open: LiveClient[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.socket.terminate();
  await r?.dispose();
  r = undefined;
});

const json = (reply: { body: string }) => JSON.parse(reply.body);

type Call = { method: 'GET' | 'POST' | 'PATCH'; url: string; body?: unknown };
/** A route's row: who it admits, and a call on Ben's own column and on Anna's (staff routes). */
type Row = { access: 'owner'; call: Call } | { access: 'staff'; own: Call; other?: Call };

const AT = encodeURIComponent(new Date(T0 + 3 * HOUR).toISOString());
const table = (refs: { ben: string; anna: string }): Record<string, Row> => ({
  'GET /api/admin/timeslots': {
    access: 'staff',
    own: { method: 'GET', url: '/api/admin/timeslots?date=2026-12-05' },
    other: { method: 'GET', url: '/api/admin/timeslots?stylist=Anna' },
  },
  'POST /api/admin/timeslots': {
    access: 'owner',
    call: {
      method: 'POST',
      url: '/api/admin/timeslots',
      body: { timeslots: [{ stylist: 'Chloé', start_time: '2026-12-06T10:00:00Z', end_time: '2026-12-06T10:30:00Z' }] },
    },
  },
  'POST /api/admin/timeslots/{id}/close': {
    access: 'staff',
    own: { method: 'POST', url: `/api/admin/timeslots/${benSlot(6)}/close`, body: {} },
    other: { method: 'POST', url: `/api/admin/timeslots/${slotIdAt(6)}/close`, body: {} },
  },
  'POST /api/admin/timeslots/{id}/reopen': {
    access: 'staff',
    own: { method: 'POST', url: `/api/admin/timeslots/${benSlot(6)}/reopen`, body: {} },
    other: { method: 'POST', url: `/api/admin/timeslots/${slotIdAt(6)}/reopen`, body: {} },
  },
  'GET /api/admin/timeslots/{id}/history': {
    access: 'staff',
    own: { method: 'GET', url: `/api/admin/timeslots/${benSlot(2)}/history` },
    other: { method: 'GET', url: `/api/admin/timeslots/${slotIdAt(2)}/history` },
  },
  'GET /api/admin/timeslots/{id}/state': {
    access: 'staff',
    own: { method: 'GET', url: `/api/admin/timeslots/${benSlot(2)}/state?at=${AT}` },
    other: { method: 'GET', url: `/api/admin/timeslots/${slotIdAt(2)}/state?at=${AT}` },
  },
  'GET /api/admin/bookings': {
    access: 'staff',
    own: { method: 'GET', url: '/api/admin/bookings?date=2026-12-05' },
    other: { method: 'GET', url: '/api/admin/bookings?stylist=Anna' },
  },
  'GET /api/admin/holds': { access: 'staff', own: { method: 'GET', url: '/api/admin/holds' } },
  'GET /api/admin/stats': {
    access: 'staff',
    own: { method: 'GET', url: '/api/admin/stats' },
    other: { method: 'GET', url: '/api/admin/stats?stylist=Anna' },
  },
  'POST /api/admin/bookings/{ref}/cancel': {
    access: 'staff',
    own: { method: 'POST', url: `/api/admin/bookings/${refs.ben}/cancel`, body: {} },
    other: { method: 'POST', url: `/api/admin/bookings/${refs.anna}/cancel`, body: {} },
  },
  'POST /api/admin/time-off': {
    access: 'staff',
    own: { method: 'POST', url: '/api/admin/time-off', body: { from: '2026-12-05T15:00', to: '2026-12-05T16:00' } },
    other: {
      method: 'POST',
      url: '/api/admin/time-off',
      body: { stylist: 'Anna', from: '2026-12-05T15:00', to: '2026-12-05T16:00' },
    },
  },
  'POST /api/admin/time-off/reopen': {
    access: 'staff',
    own: {
      method: 'POST',
      url: '/api/admin/time-off/reopen',
      body: { from: '2026-12-05T15:00', to: '2026-12-05T16:00' },
    },
    other: {
      method: 'POST',
      url: '/api/admin/time-off/reopen',
      body: { stylist: 'Anna', from: '2026-12-05T15:00', to: '2026-12-05T16:00' },
    },
  },
  'GET /api/admin/services': { access: 'owner', call: { method: 'GET', url: '/api/admin/services' } },
  'POST /api/admin/services': {
    access: 'owner',
    call: { method: 'POST', url: '/api/admin/services', body: { name: 'Fringe', duration_minutes: 15 } },
  },
  'PATCH /api/admin/services/{id}': {
    access: 'owner',
    call: { method: 'PATCH', url: '/api/admin/services/fringe', body: { price: '£10' } },
  },
  'POST /api/admin/services/{id}/retire': {
    access: 'owner',
    call: { method: 'POST', url: '/api/admin/services/fringe/retire', body: {} },
  },
  'GET /api/admin/notifications': { access: 'owner', call: { method: 'GET', url: '/api/admin/notifications' } },
  'POST /api/admin/notifications/{id}/resend': {
    access: 'owner',
    call: { method: 'POST', url: '/api/admin/notifications/N-XXXX/resend', body: {} },
  },
  'GET /api/admin/staff': { access: 'owner', call: { method: 'GET', url: '/api/admin/staff' } },
  'POST /api/admin/staff/invites': {
    access: 'owner',
    call: {
      method: 'POST',
      url: '/api/admin/staff/invites',
      body: { name: 'Dee', email: 'dee@x.example', role: 'owner' },
    },
  },
  'POST /api/admin/staff/invites/{id}/withdraw': {
    access: 'owner',
    call: { method: 'POST', url: '/api/admin/staff/invites/nope/withdraw', body: {} },
  },
  'PATCH /api/admin/staff/{id}': {
    access: 'owner',
    call: { method: 'PATCH', url: '/api/admin/staff/nope', body: { name: 'X' } },
  },
  'POST /api/admin/staff/{id}/deactivate': {
    access: 'owner',
    call: { method: 'POST', url: '/api/admin/staff/nope/deactivate', body: {} },
  },
  'POST /api/admin/staff/{id}/reactivate': {
    access: 'owner',
    call: { method: 'POST', url: '/api/admin/staff/nope/reactivate', body: {} },
  },
  'POST /api/admin/staff/{id}/reset-link': {
    access: 'owner',
    call: { method: 'POST', url: '/api/admin/staff/nope/reset-link', body: {} },
  },
  'GET /api/admin/staff/history': { access: 'owner', call: { method: 'GET', url: '/api/admin/staff/history' } },
  'GET /api/admin/sessions': { access: 'owner', call: { method: 'GET', url: '/api/admin/sessions' } },
  'POST /api/admin/sessions/{id}/revoke': {
    access: 'owner',
    call: { method: 'POST', url: '/api/admin/sessions/nope/revoke', body: {} },
  },
});

const send = (browser: StaffBrowser, call: Call) => browser.request(call.method, call.url, call.body);
const anonymous = (rig: AppRig, call: Call, cookie?: string) =>
  rig.app.inject({
    method: call.method,
    url: call.url,
    headers: { origin: ORIGIN, ...(cookie !== undefined && { cookie }) },
    ...(call.body !== undefined && { payload: call.body as object }),
  });

describe('who may call each owner route', () => {
  it('admits the owner and the token everywhere, a stylist on their own column only, nobody else', async () => {
    r = await rigWithBen();
    const owner = await setUpOwner(r);
    const { browser: stylist } = await joinBen(r, owner);
    const bookOn = async (slotId: string, ip: string) => {
      const client = r?.client({ ip });
      await client?.post(`/api/timeslots/${slotId}/reserve`);
      const booked = await client?.post(`/api/timeslots/${slotId}/book`, {
        customer: { name: 'Zoë', phone: '07700 900123' },
      });
      return json(booked ?? { body: '{}' }).booking.reference as string;
    };
    const refs = { ben: await bookOn(benSlot(3), '203.0.113.60'), anna: await bookOn(slotIdAt(3), '203.0.113.61') };
    const rows = table(refs);

    // The table covers exactly the owner routes the API describes.
    await r.app.ready();
    const described = Object.entries((r.app.swagger() as { paths: Record<string, object> }).paths).flatMap(
      ([path, methods]) =>
        path.startsWith('/api/admin/') ? Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`) : [],
    );
    expect(described.sort()).toEqual(Object.keys(rows).sort());

    const forged = 'hf_staff=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    for (const [route, row] of Object.entries(rows)) {
      const calls = row.access === 'owner' ? [row.call] : [row.own, ...(row.other ? [row.other] : [])];
      for (const call of calls) {
        expect(errorOf(await anonymous(r, call)), `${route} anonymous`).toEqual([401, 'unauthorized']);
        expect(errorOf(await anonymous(r, call, forged)), `${route} forged cookie`).toEqual([401, 'unauthorized']);
      }
      if (row.access === 'owner') {
        expect(errorOf(await send(stylist, row.call)), `${route} stylist`).toEqual([403, 'owner_only']);
      } else {
        if (row.other) {
          expect(errorOf(await send(stylist, row.other)), `${route} stylist, Anna's column`).toEqual([
            403,
            'not_your_column',
          ]);
        }
        const own = await send(stylist, row.own);
        expect(own.statusCode, `${route} stylist, own column: ${own.body}`).toBeLessThan(400);
      }
    }
    // Nothing a refused call asked for happened.
    expect(r.rig.engine.models.availability.slots.get(slotIdAt(6))?.status).toBe('available');
    expect(r.rig.engine.models.bookings.byId.get(refs.anna)?.status).toBe('confirmed');
    expect(r.rig.engine.models.bookings.byId.get(refs.ben)?.status).toBe('cancelled'); // Ben's own
    expect(r.rig.engine.models.services.byId.has('fringe')).toBe(false);

    // The owner's account and the API token get past authorisation everywhere.
    for (const [route, row] of Object.entries(rows)) {
      const call = row.access === 'owner' ? row.call : (row.other ?? row.own);
      const byAccount = await send(owner, call);
      expect([401, 403], `${route} owner: ${byAccount.body}`).not.toContain(byAccount.statusCode);
      const byToken = await r.app.inject({
        method: call.method,
        url: call.url,
        headers: { authorization: `Bearer ${OWNER_TOKEN}` },
        ...(call.body !== undefined && { payload: call.body as object }),
      });
      expect([401, 403], `${route} token: ${byToken.body}`).not.toContain(byToken.statusCode);
    }
  });

  it("a stylist's reads hold only their own column", async () => {
    r = await rigWithBen();
    const owner = await setUpOwner(r);
    const { browser: stylist } = await joinBen(r, owner);
    for (const slotId of [benSlot(4), slotIdAt(4)]) {
      const client = r.client({ ip: slotId.startsWith('ben') ? '203.0.113.70' : '203.0.113.71' });
      await client.post(`/api/timeslots/${slotId}/reserve`);
    }
    await r.client({ ip: '203.0.113.72' }).post(`/api/timeslots/${slotIdAt(5)}/reserve`);
    const stylists = (rows: Array<{ stylist: string }>) => [...new Set(rows.map((s) => s.stylist))];
    expect(stylists(json(await stylist.get('/api/admin/timeslots?date=2026-12-05')))).toEqual(['Ben']);
    expect(stylists(json(await owner.get('/api/admin/timeslots?date=2026-12-05'))).sort()).toEqual(['Anna', 'Ben']);
    expect(stylists(json(await stylist.get('/api/admin/holds')).holds)).toEqual(['Ben']);
    expect(json(await stylist.get('/api/admin/stats?date=2026-12-05')).stylists).toEqual([
      { stylist: 'Ben', slots: 5, booked: 0 },
    ]);
  });
});

describe('a column spelled another way', () => {
  it('is the same column: a stylist invited as "Chloe" sees the bookings of "Chloé"', async () => {
    const chloe = { stylist: 'Chloé', startsAt: T0 + 2 * HOUR, endsAt: T0 + 3 * HOUR };
    r = await appRig({ slots: [...defaultSlots, chloe] });
    const owner = await setUpOwner(r);
    const { browser } = await inviteAndJoin(r, owner, {
      name: 'Chloe',
      email: 'chloe@salon.example',
      role: 'stylist',
      stylist: 'Chloe',
    });
    const client = r.client({ ip: '203.0.113.75' });
    const slotId = slotIdAt(2).replace('anna-', 'chloe-');
    await client.post(`/api/timeslots/${slotId}/reserve`);
    await client.post(`/api/timeslots/${slotId}/book`, { customer: { name: 'Zoë', phone: '07700 900123' } });
    const bookings = json(await browser.get('/api/admin/bookings?date=2026-12-05')).bookings;
    expect(
      bookings.map((b: { slot_id: string; customer: { phone?: string } }) => [b.slot_id, b.customer.phone]),
    ).toEqual([[slotId, '07700 900123']]);
  });
});

describe('the staff live socket', () => {
  const listen = async (rig: AppRig): Promise<string> => {
    await rig.app.listen({ port: 0, host: '127.0.0.1' });
    return `ws://127.0.0.1:${(rig.app.server.address() as AddressInfo).port}`;
  };
  const live = async (url: string, headers: Record<string, string> = {}) => {
    const client = await connectLive(url, { origin: `http://${new URL(url).host}`, ...headers });
    open.push(client);
    return client;
  };
  const cookieOf = (browser: StaffBrowser) => `hf_staff=${browser.cookies.hf_staff}`;

  it("carries a stylist's own column only, refuses another's, and closes when the session ends", async () => {
    r = await rigWithBen();
    const base = await listen(r);
    const owner = await setUpOwner(r);
    const { browser: stylist } = await joinBen(r, owner);

    const ownerLive = await live(`${base}/api/admin/live`, { cookie: cookieOf(owner) });
    const ownerSnapshot = await ownerLive.next((m) => m.type === 'snapshot');
    expect(new Set(ownerSnapshot.timeslots?.map((s) => s.stylist))).toEqual(new Set(['Anna', 'Ben']));
    const benLive = await live(`${base}/api/admin/live`, { cookie: cookieOf(stylist) });
    const benSnapshot = await benLive.next((m) => m.type === 'snapshot');
    expect(new Set(benSnapshot.timeslots?.map((s) => s.stylist))).toEqual(new Set(['Ben']));
    await expect(live(`${base}/api/admin/live?stylist=Anna`, { cookie: cookieOf(stylist) })).rejects.toThrow(/403/);

    // Anna's change reaches the owner, not Ben; Ben's reaches both, with the customer's hold.
    await r.client({ ip: '203.0.113.80' }).post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    await r.client({ ip: '203.0.113.81' }).post(`/api/timeslots/${benSlot(2)}/reserve`);
    const seenByOwner = [
      await ownerLive.next((m) => m.type === 'slot'),
      await ownerLive.next((m) => m.type === 'slot'),
    ].map((m) => m.timeslot?.id);
    expect(seenByOwner).toEqual([slotIdAt(2), benSlot(2)]);
    const seenByBen = await benLive.next((m) => m.type === 'slot');
    expect(seenByBen.timeslot).toMatchObject({ id: benSlot(2), status: 'reserved' });
    expect(benLive.messages.filter((m) => m.type === 'slot')).toHaveLength(1);

    // Nobody, and a forged cookie, get no snapshot: the socket is closed unauthorised.
    const nobody = await live(`${base}/api/admin/live`);
    nobody.send({ type: 'resync' });
    expect((await nobody.closed).code).toBe(CLOSE_UNAUTHORISED);
    const forged = await live(`${base}/api/admin/live`, {
      cookie: 'hf_staff=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    forged.send({ type: 'resync' });
    expect((await forged.closed).code).toBe(CLOSE_UNAUTHORISED);
    expect(forged.messages.filter((m) => m.type === 'snapshot')).toEqual([]);
    // Another site's page cannot open one with the visitor's cookie.
    await expect(
      live(`${base}/api/admin/live`, { cookie: cookieOf(owner), origin: 'https://evil.example' }),
    ).rejects.toThrow(/403/);

    // Revoking Ben's session closes his socket at once.
    const benSession = json(await stylist.get('/api/auth/me')).session.id;
    expect((await owner.post(`/api/admin/sessions/${benSession}/revoke`)).statusCode).toBe(200);
    expect((await benLive.closed).code).toBe(CLOSE_UNAUTHORISED);
    expect(ownerLive.socket.readyState).toBe(ownerLive.socket.OPEN);
  });

  it('closes a staff socket whose session runs out, at the next heartbeat', async () => {
    r = await appRig({ settings: { heartbeatMs: 100 } });
    const base = await listen(r);
    const owner = await setUpOwner(r);
    const socket = await live(`${base}/api/admin/live`, { cookie: cookieOf(owner) });
    await socket.next((m) => m.type === 'snapshot');
    await r.rig.clock.increment(14 * 24 * HOUR + 1);
    expect((await socket.closed).code).toBe(CLOSE_UNAUTHORISED);
  });
});

describe('time off', () => {
  it('closes a stylist’s free slots over a range, lists the booked ones, and a client cannot book them', async () => {
    r = await rigWithBen();
    const owner = await setUpOwner(r);
    const { browser: stylist } = await joinBen(r, owner);
    const client = r.client({ ip: '203.0.113.90' });
    await client.post(`/api/timeslots/${benSlot(3)}/reserve`);
    const reference = json(
      await client.post(`/api/timeslots/${benSlot(3)}/book`, { customer: { name: 'Zoë', phone: '07700 900123' } }),
    ).booking.reference;

    // Europe/London is UTC in December: Ben's 11:00–15:00 slots (hours 3–6 after T0).
    const off = await stylist.post('/api/admin/time-off', { from: '2026-12-05T11:00', to: '2026-12-05T15:00' });
    expect(off.statusCode).toBe(200);
    expect(json(off)).toMatchObject({
      changed: [benSlot(4), benSlot(5), benSlot(6)],
      booked: [{ id: benSlot(3), reference }],
      failed: [],
    });
    const statusOf = (id: string) => r?.rig.engine.models.availability.slots.get(id)?.status;
    expect([3, 4, 5, 6].map((h) => statusOf(benSlot(h)))).toEqual(['booked', 'closed', 'closed', 'closed']);
    expect([4, 5, 6].map((h) => statusOf(slotIdAt(h)))).toEqual(['available', 'available', 'available']);
    const refused = await r.client({ ip: '203.0.113.91' }).post(`/api/timeslots/${benSlot(4)}/reserve`);
    expect(errorOf(refused)).toEqual([409, 'slot_closed']);

    const history = json(await stylist.get(`/api/admin/timeslots/${benSlot(4)}/history`)).events;
    expect(history.at(-1)).toMatchObject({ type: 'TimeslotClosed', who: { kind: 'staff', name: 'Ben' } });
    // The owner must say whose time off; bad ranges are refused and change nothing.
    expect(
      errorOf(await owner.post('/api/admin/time-off', { from: '2026-12-05T11:00', to: '2026-12-05T15:00' })),
    ).toEqual([400, 'invalid_request']);
    expect(
      errorOf(await stylist.post('/api/admin/time-off', { from: '2026-12-05T15:00', to: '2026-12-05T11:00' })),
    ).toEqual([400, 'invalid_range']);
    expect(errorOf(await stylist.post('/api/admin/time-off', { from: 'tea time', to: '2026-12-05T11:00' }))).toEqual([
      400,
      'invalid_range',
    ]);

    const back = await stylist.post('/api/admin/time-off/reopen', { from: '2026-12-05T11:00', to: '2026-12-05T15:00' });
    expect(json(back).changed).toEqual([benSlot(4), benSlot(5), benSlot(6)]);
    expect([4, 5, 6].map((h) => statusOf(benSlot(h)))).toEqual(['available', 'available', 'available']);
  });
});
