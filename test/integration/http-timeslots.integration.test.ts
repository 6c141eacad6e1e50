import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppRig, appRig, slotIdAt } from '../support/app-harness.js';
import { HOUR, MINUTE, T0 } from '../support/fixtures.js';

// The seed's contract over the real app: list, reserve (409 taken), book and cancel (400
// without a live hold of yours), with identity from the session cookie only.

let r: AppRig;
beforeEach(async () => {
  r = await appRig();
});
afterEach(async () => {
  await r.dispose();
});

const json = (response: { body: string }) => JSON.parse(response.body);
const customer = { name: 'Zoë Client', phone: '+44 7700 900123' };

describe('GET /api/salon', () => {
  it('tells the page the salon’s name, zone, hold length and stylists', async () => {
    const res = await r.client().get('/api/salon');
    expect(json(res)).toEqual({
      name: 'Holdfast salon',
      time_zone: 'Europe/London',
      hold_seconds: 180,
      cancel_cutoff_hours: 24,
      stylists: ['Anna'],
    });
    expect(String(res.headers['set-cookie'])).toMatch(/^hf_session=/); // the page's first request starts the session
  });
});

describe('GET /api/timeslots', () => {
  it('lists upcoming available slots as an array and starts a signed, HttpOnly, SameSite=Lax session', async () => {
    const a = r.client();
    const res = await a.get('/api/timeslots');
    expect(res.statusCode).toBe(200);
    const slots = json(res);
    expect(Array.isArray(slots)).toBe(true);
    expect(slots.map((s: { id: string }) => s.id)).toEqual([2, 3, 4, 5, 6].map(slotIdAt));
    expect(slots[0]).toMatchObject({
      id: slotIdAt(2),
      start_time: new Date(T0 + 2 * HOUR).toISOString(),
      end_time: new Date(T0 + 3 * HOUR).toISOString(),
      stylist: 'Anna',
      status: 'available',
      yours: false,
    });
    const cookie = String(res.headers['set-cookie']);
    // value.signature, 30 days, the whole site, out of scripts' reach, not sent cross-site
    expect(cookie).toMatch(/^hf_session=[^;]+\.[^;]+; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
    // The session is kept: no new cookie on the next request.
    expect((await a.get('/api/timeslots')).headers['set-cookie']).toBeUndefined();
  });

  it('marks the session cookie Secure when the client came over HTTPS (behind a trusted proxy)', async () => {
    const proxied = await appRig({ settings: { trustProxy: ['loopback', 'linklocal', 'uniquelocal'] } });
    try {
      const over = (proto: string) =>
        proxied.app.inject({ method: 'GET', url: '/api/timeslots', headers: { 'x-forwarded-proto': proto } });
      const https = String((await over('https')).headers['set-cookie']);
      expect(https).toMatch(/^hf_session=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      expect(String((await over('http')).headers['set-cookie'])).not.toContain('Secure');
      // The value comes back as it was signed (the text is URI-encoded, as a cookie parser expects).
      const returning = await proxied.app.inject({
        method: 'GET',
        url: '/api/timeslots',
        headers: { 'x-forwarded-proto': 'https', cookie: https.split(';')[0] ?? '' },
      });
      expect(returning.statusCode).toBe(200);
      expect(returning.headers['set-cookie']).toBeUndefined();
    } finally {
      await proxied.dispose();
    }
  });

  it('hides another client’s hold, shows it as unavailable with include=all, and never says who holds it', async () => {
    const a = r.client();
    const b = r.client();
    expect((await a.post(`/api/timeslots/${slotIdAt(3)}/reserve`)).statusCode).toBe(200);

    const seenByB = json(await b.get('/api/timeslots'));
    expect(seenByB.map((s: { id: string }) => s.id)).not.toContain(slotIdAt(3));
    const allForB = await b.get('/api/timeslots?include=all');
    const held = json(allForB).find((s: { id: string }) => s.id === slotIdAt(3));
    expect(held).toEqual({
      id: slotIdAt(3),
      start_time: new Date(T0 + 3 * HOUR).toISOString(),
      end_time: new Date(T0 + 4 * HOUR).toISOString(),
      stylist: 'Anna',
      status: 'unavailable',
      yours: false,
      version: 1,
    });
    const aSession = a.cookie?.split('=')[1]?.split('.')[0] ?? 'missing';
    expect(allForB.body).not.toContain(aSession);

    const seenByA = json(await a.get('/api/timeslots')).find((s: { id: string }) => s.id === slotIdAt(3));
    expect(seenByA).toMatchObject({
      status: 'reserved',
      yours: true,
      expires_at: new Date(T0 + 3 * MINUTE).toISOString(),
      seconds_left: 180,
    });
  });

  it('filters by stylist and by window, in instants or salon dates', async () => {
    await r.owner('POST', '/api/admin/timeslots', {
      timeslots: [{ stylist: 'Ben', start_time: '2026-12-05T10:00:00Z', end_time: '2026-12-05T11:00:00Z' }],
    });
    const c = r.client();
    const ben = json(await c.get('/api/timeslots?stylist=ben'));
    expect(ben.map((s: { stylist: string }) => s.stylist)).toEqual(['Ben']);
    const window = json(await c.get('/api/timeslots?from=2026-12-05T11:00:00Z&to=2026-12-05T13:00:00Z'));
    expect(window.map((s: { id: string }) => s.id)).toEqual([slotIdAt(3), slotIdAt(4)]);
    const day = json(await c.get('/api/timeslots?date=2026-12-05'));
    expect(day).toHaveLength(6);
    expect(json(await c.get('/api/timeslots?date=2026-12-06'))).toEqual([]);
  });

  it('never lists slots that have started', async () => {
    r.rig.clock.increment(2 * HOUR + MINUTE); // 10:01: the 10:00 slot has started
    const ids = json(await r.client().get('/api/timeslots')).map((s: { id: string }) => s.id);
    expect(ids).toEqual([3, 4, 5, 6].map(slotIdAt));
  });

  it.each([
    ['from=yesterday', 'invalid_range'],
    ['from=2026-12-05T10:00:00', 'invalid_range'], // no zone: ambiguous
    ['from=2026-12-06&to=2026-12-05', 'invalid_range'],
    ['from=2026-01-01&to=2026-12-31', 'invalid_range'], // wider than 92 days
    ['date=2026-12-05&from=2026-12-05', 'invalid_range'],
    ['include=everything', 'invalid_request'],
    [`stylist=${'x'.repeat(61)}`, 'invalid_request'],
  ])('refuses ?%s with 400 %s', async (query, code) => {
    const res = await r.client().get(`/api/timeslots?${query}`);
    expect(res.statusCode).toBe(400);
    expect(json(res).error).toBe(code);
    expect(typeof json(res).message).toBe('string');
  });
});

describe('POST /api/timeslots/:id/reserve', () => {
  it('holds the slot for the caller for HOLD_SECONDS and answers with the deadline', async () => {
    const res = await r.client().post(`/api/timeslots/${slotIdAt(2)}/reserve`, { user_id: 'user123' });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({
      expires_at: new Date(T0 + 180_000).toISOString(),
      seconds_left: 180,
      timeslot: { id: slotIdAt(2), status: 'reserved', yours: true },
    });
    expect(typeof json(res).message).toBe('string');
  });

  it('answers 409 slot_taken to everyone else, whatever user_id they send', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`, { user_id: 'alice' });
    const b = r.client();
    const res = await b.post(`/api/timeslots/${slotIdAt(2)}/reserve`, { user_id: 'alice' });
    expect(res.statusCode).toBe(409);
    expect(json(res).error).toBe('slot_taken');
  });

  it('gives the same hold back when the holder asks again (holds are not renewed)', async () => {
    const a = r.client();
    const first = json(await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`));
    r.rig.clock.increment(60_000);
    const again = await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    expect(again.statusCode).toBe(200);
    expect(json(again).expires_at).toBe(first.expires_at);
    expect(json(again).seconds_left).toBe(120);
  });

  it.each([
    ['an unknown slot', 'anna-20261205T0300Z', 404, 'slot_not_found'],
    ['a malformed id', 'not-a-slot', 404, 'slot_not_found'],
    ['an over-long id', 'x'.repeat(130), 400, 'invalid_request'],
  ])('answers %s with %i %s', async (_what, id, status, code) => {
    const res = await r.client().post(`/api/timeslots/${id}/reserve`);
    expect(res.statusCode).toBe(status);
    expect(json(res).error).toBe(code);
  });

  it('refuses a closed slot (409 slot_closed) and one that has started (409 slot_in_past)', async () => {
    await r.owner('POST', `/api/admin/timeslots/${slotIdAt(4)}/close`, { reason: 'training' });
    const closed = await r.client().post(`/api/timeslots/${slotIdAt(4)}/reserve`);
    expect([closed.statusCode, json(closed).error]).toEqual([409, 'slot_closed']);
    r.rig.clock.increment(2 * HOUR);
    const started = await r.client().post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    expect([started.statusCode, json(started).error]).toEqual([409, 'slot_in_past']);
  });

  it('caps holds per session (MAX_HOLDS_PER_CLIENT) with 429 too_many_holds and Retry-After', async () => {
    const a = r.client();
    expect((await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`)).statusCode).toBe(200);
    expect((await a.post(`/api/timeslots/${slotIdAt(3)}/reserve`)).statusCode).toBe(200);
    const third = await a.post(`/api/timeslots/${slotIdAt(4)}/reserve`);
    expect([third.statusCode, json(third).error]).toEqual([429, 'too_many_holds']);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(third.headers['retry-after'])).toBeLessThanOrEqual(180);
    // Releasing one frees its place.
    expect((await a.post(`/api/timeslots/${slotIdAt(2)}/cancel`)).statusCode).toBe(200);
    expect((await a.post(`/api/timeslots/${slotIdAt(4)}/reserve`)).statusCode).toBe(200);
  });

  it('returns the slot to everyone when the hold expires', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    await r.rig.advance(180_000);
    const b = r.client({ ip: '198.51.100.20' }); // another network: the holder's own waits out a cool-down
    expect(json(await b.get('/api/timeslots')).map((s: { id: string }) => s.id)).toContain(slotIdAt(2));
    expect((await b.post(`/api/timeslots/${slotIdAt(2)}/reserve`)).statusCode).toBe(200);
  });
});

describe('POST /api/timeslots/:id/book', () => {
  it('confirms the caller’s hold with a reference and a private manage token', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    const res = await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { user_id: 'x', customer });
    expect(res.statusCode).toBe(200);
    const { booking, timeslot } = json(res);
    expect(booking).toMatchObject({
      slot_id: slotIdAt(2),
      stylist: 'Anna',
      status: 'confirmed',
      customer: { name: 'Zoë Client', phone: '+44 7700 900123' },
      start_time: new Date(T0 + 2 * HOUR).toISOString(),
    });
    expect(booking.reference).toMatch(/^HF-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(booking.manage_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(timeslot).toMatchObject({ status: 'booked', yours: true, reference: booking.reference });
    // Everyone else now sees it as unavailable.
    const other = json(await r.client().get('/api/timeslots?include=all'));
    expect(other.find((s: { id: string }) => s.id === slotIdAt(2)).status).toBe('unavailable');
  });

  it('answers a retried confirmation with the same booking and token', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    const first = json(await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer }));
    const again = await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer });
    expect(again.statusCode).toBe(200);
    expect(json(again).booking.reference).toBe(first.booking.reference);
    expect(json(again).booking.manage_token).toBe(first.booking.manage_token);
  });

  it('answers 400 no_hold without a hold, and 400 not_your_hold on someone else’s', async () => {
    const none = await r.client().post(`/api/timeslots/${slotIdAt(2)}/book`, { customer });
    expect([none.statusCode, json(none).error]).toEqual([400, 'no_hold']);
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    const theirs = await r.client().post(`/api/timeslots/${slotIdAt(2)}/book`, { user_id: 'a', customer });
    expect([theirs.statusCode, json(theirs).error]).toEqual([400, 'not_your_hold']);
  });

  it('answers 400 once the hold has run out, and books nothing', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    r.rig.clock.increment(180_000); // the deadline passes; the expiry may still be in flight
    const late = await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer });
    expect(late.statusCode).toBe(400);
    expect(['hold_expired', 'no_hold']).toContain(json(late).error);
    await r.rig.engine.whenIdle();
    expect(r.rig.engine.models.bookings.byId.size).toBe(0);
  });

  it.each([
    ['no contact', { customer: { name: 'Zoë' } }, 'invalid_customer'],
    ['a bad email', { customer: { name: 'Zoë', email: 'not-an-email' } }, 'invalid_customer'],
    ['a short phone', { customer: { name: 'Zoë', phone: '12' } }, 'invalid_customer'],
    ['a blank name', { customer: { name: '   ', phone: '07700900123' } }, 'invalid_customer'],
    ['no customer', { user_id: 'x' }, 'invalid_request'],
    ['a name too long', { customer: { name: 'x'.repeat(201), phone: '07700900123' } }, 'invalid_request'],
    ['a non-object customer', { customer: 'Zoë' }, 'invalid_request'],
  ])('refuses %s with 400 and keeps the hold', async (_what, body, code) => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    const res = await a.post(`/api/timeslots/${slotIdAt(2)}/book`, body);
    expect([res.statusCode, json(res).error]).toEqual([400, code]);
    const mine = json(await a.get('/api/timeslots')).find((s: { id: string }) => s.id === slotIdAt(2));
    expect(mine.status).toBe('reserved');
  });
});

describe('POST /api/timeslots/:id/cancel', () => {
  it('releases the caller’s hold to everyone', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    const res = await a.post(`/api/timeslots/${slotIdAt(2)}/cancel`, { user_id: 'x' });
    expect(res.statusCode).toBe(200);
    expect(json(res).timeslot).toMatchObject({ id: slotIdAt(2), status: 'available', yours: false });
    // Free for anyone on another network (the holder's own waits out a cool-down).
    expect((await r.client({ ip: '198.51.100.20' }).post(`/api/timeslots/${slotIdAt(2)}/reserve`)).statusCode).toBe(
      200,
    );
  });

  it('answers 400 with nothing to cancel, for someone else’s hold, and for a booked slot', async () => {
    const nothing = await r.client().post(`/api/timeslots/${slotIdAt(2)}/cancel`);
    expect([nothing.statusCode, json(nothing).error]).toEqual([400, 'no_hold']);
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    const theirs = await r.client().post(`/api/timeslots/${slotIdAt(2)}/cancel`);
    expect([theirs.statusCode, json(theirs).error]).toEqual([400, 'not_your_hold']);
    await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer });
    const booked = await a.post(`/api/timeslots/${slotIdAt(2)}/cancel`);
    expect([booked.statusCode, json(booked).error]).toEqual([400, 'no_hold']);
  });
});

describe('many clients at once', () => {
  it('gives a contested slot to exactly one of 20 simultaneous clients; the rest get 409', async () => {
    const clients = Array.from({ length: 20 }, (_, i) => r.client({ ip: `198.51.100.${i + 1}` }));
    const results = await Promise.all(clients.map((c) => c.post(`/api/timeslots/${slotIdAt(2)}/reserve`)));
    const codes = results.map((res) => res.statusCode).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(19);
    const history = json(await r.owner('GET', `/api/admin/timeslots/${slotIdAt(2)}/history`)).events;
    expect(history.filter((e: { type: string }) => e.type === 'TimeslotReserved')).toHaveLength(1);
  });
});

describe('identity is the signed session, nothing else', () => {
  it('vouches only for sessions under its own secret, even ones another app has just issued and checked', async () => {
    const other = await appRig({ sessionSecret: 'another-salon-secret-0123456789abcdef' });
    try {
      const there = other.client();
      expect((await there.post(`/api/timeslots/${slotIdAt(2)}/reserve`)).statusCode).toBe(200);
      expect((await there.post(`/api/timeslots/${slotIdAt(2)}/cancel`)).statusCode).toBe(200); // checked there
      const here = await r.app.inject({
        method: 'POST',
        url: `/api/timeslots/${slotIdAt(2)}/reserve`,
        headers: { cookie: there.cookie ?? '' },
      });
      expect(here.statusCode).toBe(200);
      const issued = String(here.headers['set-cookie']).split(';')[0];
      expect(issued).toMatch(/^hf_session=/);
      expect(issued).not.toBe(there.cookie);
    } finally {
      await other.dispose();
    }
  });

  it('treats a forged or tampered cookie as no session: a new one, with no power over the old holds', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    const [name, value] = (a.cookie ?? '').split('=');
    const [id] = (value ?? '').split('.');
    for (const forged of [`${name}=${id}`, `${name}=${id}.AAAA`, `${name}=${id}x.${(value ?? '').split('.')[1]}`]) {
      const res = await r.app.inject({
        method: 'POST',
        url: `/api/timeslots/${slotIdAt(2)}/cancel`,
        headers: { cookie: forged },
      });
      expect([res.statusCode, JSON.parse(res.body).error]).toEqual([400, 'not_your_hold']);
      expect(res.headers['set-cookie']).toBeUndefined(); // refused: no session worth keeping
    }
    const fresh = await r.app.inject({ method: 'GET', url: '/api/timeslots', headers: { cookie: `${name}=${id}` } });
    expect(String(fresh.headers['set-cookie'])).toMatch(/^hf_session=/);
    expect(String(fresh.headers['set-cookie'])).not.toContain(`${id}.`);
  });

  it('sets no cookie with a refused first request; the next successful one starts the session, which then holds', async () => {
    const a = r.client();
    const b = r.client();
    expect((await a.post(`/api/timeslots/${slotIdAt(4)}/reserve`)).statusCode).toBe(200);
    const refused = await b.post(`/api/timeslots/${slotIdAt(4)}/reserve`);
    expect([refused.statusCode, json(refused).error]).toEqual([409, 'slot_taken']);
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect(b.cookie).toBeUndefined();
    const held = await b.post(`/api/timeslots/${slotIdAt(5)}/reserve`);
    expect(held.statusCode).toBe(200);
    expect(b.cookie).toMatch(/^hf_session=/);
    // The cookie names the session the hold was taken under: the hold is this client's.
    expect((await b.post(`/api/timeslots/${slotIdAt(5)}/cancel`)).statusCode).toBe(200);
    expect((await b.post(`/api/timeslots/${slotIdAt(4)}/cancel`)).statusCode).toBe(400);
  });
});
