import { fdatasync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { StartupWork } from '../../src/http/context.js';
import { type AppRig, appRig, slotIdAt, unstartedApp } from '../support/app-harness.js';
import { anna } from '../support/fixtures.js';

// Everything a hostile or careless client can send gets a 4xx with a code and changes
// nothing; limits on holds, sessions and request rates; operations endpoints.

const json = (response: { body: string }) => JSON.parse(response.body);
let r: AppRig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

describe('malformed requests', () => {
  it.each([
    ['broken JSON', '{"customer": ', { 'content-type': 'application/json' }, 400, 'invalid_json'],
    ['an empty JSON body', '', { 'content-type': 'application/json' }, 400, 'invalid_json'],
    ['form data', 'customer=x', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
    ['a JSON array', '[1,2]', { 'content-type': 'application/json' }, 400, 'invalid_request'],
    [
      'a body over 16 KiB',
      JSON.stringify({ customer: { name: 'x'.repeat(17_000) } }),
      { 'content-type': 'application/json' },
      413,
      'body_too_large',
    ],
  ])('answers %s with a coded 4xx and changes nothing', async (_what, payload, headers, status, code) => {
    r = await appRig();
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    const position = r.rig.engine.models.position;
    const res = await r.app.inject({
      method: 'POST',
      url: `/api/timeslots/${slotIdAt(2)}/book`,
      headers: { ...headers, cookie: a.cookie ?? '' },
      payload,
    });
    expect([res.statusCode, json(res).error]).toEqual([status, code]);
    expect(r.rig.engine.models.position).toBe(position);
  });

  it('answers unknown routes and methods with a JSON 404', async () => {
    r = await appRig();
    for (const [method, url] of [
      ['GET', '/api/nothing'],
      ['DELETE', `/api/timeslots/${slotIdAt(2)}`],
      ['GET', '/api/timeslots/%E0%A4%A/reserve'],
    ] as const) {
      const res = await r.app.inject({ method, url });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(typeof json(res).error).toBe('string');
    }
  });
});

describe('limits against hoarding (OWASP API4/API6)', () => {
  it('caps live holds per network even when the client throws its cookies away', async () => {
    r = await appRig({ engine: { maxHoldsPerNetwork: 3 } });
    const results: Array<{ statusCode: number; headers: Record<string, unknown> }> = [];
    for (const h of [2, 3, 4, 5]) {
      const fresh = r.client({ ip: '198.51.100.9' }); // a new session each time
      results.push(await fresh.post(`/api/timeslots/${slotIdAt(h)}/reserve`));
    }
    expect(results.map((res) => res.statusCode)).toEqual([200, 200, 200, 429]);
    expect(Number(results[3]?.headers['retry-after'])).toBe(180); // the first of the three lapses in 180 s
    const other = await r.client({ ip: '198.51.100.10' }).post(`/api/timeslots/${slotIdAt(5)}/reserve`);
    expect(other.statusCode).toBe(200);
    // IPv6 clients count per /64.
    const v6 = [2, 3].map(() => r?.client({ ip: '2001:db8:1:2::a' }));
    expect((await v6[0]?.post(`/api/timeslots/${slotIdAt(6)}/reserve`))?.statusCode).toBe(200);
    await r.rig.advance(180_000); // every hold lapses: the places free up
    const again = await r.client({ ip: '198.51.100.9' }).post(`/api/timeslots/${slotIdAt(6)}/reserve`);
    expect(again.statusCode).toBe(200);
  });

  it('turns the per-network cap off with maxHoldsPerIp 0 (MAX_HOLDS_PER_IP=0); the per-session cap still holds', async () => {
    const hours = Array.from({ length: 14 }, (_, i) => i + 2);
    r = await appRig({ engine: { maxHoldsPerNetwork: 0 }, slots: hours.map((h) => anna(h)) });
    const codes: number[] = [];
    for (const h of hours.slice(0, 12)) {
      codes.push((await r.client({ ip: '198.51.100.9' }).post(`/api/timeslots/${slotIdAt(h)}/reserve`)).statusCode);
    }
    expect(codes).toEqual(Array(12).fill(200)); // beyond the default cap of 10 per network
    const one = r.client({ ip: '198.51.100.9' });
    const mine: number[] = [];
    for (const h of [14, 15, 2]) mine.push((await one.post(`/api/timeslots/${slotIdAt(h)}/reserve`)).statusCode);
    expect(mine).toEqual([200, 200, 429]);
  });

  it('rate limits reserve/book per IP, and new sessions per IP, with 429 rate_limited', async () => {
    r = await appRig({ settings: { rateLimitPerMinute: 3 } });
    const a = r.client({ ip: '192.0.2.50' });
    const codes: number[] = [];
    for (let i = 0; i < 4; i += 1) codes.push((await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`)).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    expect(json(limited).error).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    // New sessions that act (a POST) are limited per IP: throwing cookies away buys nothing.
    const sessions: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      sessions.push(
        (await r.client({ ip: '192.0.2.60' }).post(`/api/timeslots/${slotIdAt(3 + (i % 3))}/cancel`)).statusCode,
      );
    }
    expect(sessions.slice(3)).toEqual([429]);
    // Reading is not: everyone behind one shared address can see the times, up to the read
    // allowance (four times the figure), which is per IP whoever asks.
    const reads: number[] = [];
    for (let i = 0; i < 13; i += 1) reads.push((await r.client({ ip: '192.0.2.61' }).get('/api/timeslots')).statusCode);
    expect(reads).toEqual([...Array(12).fill(200), 429]);
  });

  it('limits wrong owner tokens per IP', async () => {
    r = await appRig({ settings: { rateLimitPerMinute: 30 } });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const res = await r.app.inject({
        method: 'GET',
        url: '/api/admin/holds',
        headers: { authorization: `Bearer guess${i}` },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    // The right token is never refused for someone else's guesses on the same address.
    expect((await r.owner('GET', '/api/admin/holds')).statusCode).toBe(200);
  });
});

describe('headers', () => {
  it('sends security headers and a request id, and no CORS by default', async () => {
    r = await appRig();
    const res = await r.app.inject({
      method: 'GET',
      url: '/api/timeslots',
      headers: { origin: 'https://evil.example', 'x-request-id': 'trace-123' },
    });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sends the same security headers on refusals and unknown paths as on success', async () => {
    r = await appRig();
    const replies = await Promise.all([
      r.app.inject({ method: 'GET', url: '/api/timeslots' }),
      r.app.inject({ method: 'POST', url: '/api/timeslots/no-such-slot/reserve', payload: {} }),
      r.app.inject({ method: 'GET', url: '/no/such/path' }),
    ]);
    expect(replies.map((res) => res.statusCode)).toEqual([200, 404, 404]);
    for (const res of replies) {
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': 'max-age=31536000; includeSubDomains',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    }
  });

  it('allows only configured origins when CORS_ORIGIN is set', async () => {
    r = await appRig({ settings: { corsOrigins: ['https://salon.example'] } });
    const ok = await r.app.inject({
      method: 'GET',
      url: '/api/timeslots',
      headers: { origin: 'https://salon.example' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe('https://salon.example');
    const other = await r.app.inject({
      method: 'GET',
      url: '/api/timeslots',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('operations', () => {
  it('reports not ready (503) until the log is replayed, then ready', async () => {
    const bare = await unstartedApp();
    try {
      expect((await bare.app.inject('/healthz')).statusCode).toBe(200);
      const early = await bare.app.inject('/readyz');
      expect([early.statusCode, json(early).error]).toEqual([503, 'not_ready']);
      const api = await bare.app.inject('/api/timeslots');
      expect([api.statusCode, json(api).error]).toEqual([503, 'not_ready']);
      await bare.engine.start();
      const ready = await bare.app.inject('/readyz');
      expect([ready.statusCode, json(ready).status]).toEqual([200, 'ready']);
    } finally {
      await bare.dispose();
    }
  });

  it('reports not ready (503) while start-up work such as the demo schedule is pending, and serves meanwhile', async () => {
    const startup: StartupWork = { pending: 'opening the demo schedule' };
    r = await appRig({ startup });
    const early = await r.app.inject('/readyz');
    expect([early.statusCode, json(early).error, json(early).message]).toEqual([
      503,
      'not_ready',
      'opening the demo schedule',
    ]);
    expect(early.headers['retry-after']).toBe('1');
    expect((await r.client().get('/api/timeslots')).statusCode).toBe(200); // a client that came early is served
    startup.pending = undefined;
    const ready = await r.app.inject('/readyz');
    expect([ready.statusCode, json(ready).status]).toEqual([200, 'ready']);
  });

  it('reports not ready (503 log_failed) once the log has failed a WAL sync, and refuses commands', async () => {
    let failSyncs = false;
    r = await appRig({
      log: {
        syncWal: (fd, done) =>
          failSyncs
            ? done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))
            : fdatasync(fd, done),
      },
    });
    const a = r.client();
    expect((await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`)).statusCode).toBe(200);
    expect((await r.app.inject('/readyz')).statusCode).toBe(200);
    failSyncs = true;
    const refused = await a.post(`/api/timeslots/${slotIdAt(3)}/reserve`);
    expect([refused.statusCode, json(refused).error]).toEqual([503, 'log_unavailable']);
    const ready = await r.app.inject('/readyz');
    expect([ready.statusCode, json(ready).error]).toEqual([503, 'log_failed']);
    expect(json(ready).message).toMatch(/syncing the WAL failed.*restart the process/);
    // Later commands are refused without touching the file; reads still answer.
    failSyncs = false;
    const again = await a.post(`/api/timeslots/${slotIdAt(4)}/reserve`);
    expect([again.statusCode, json(again).error]).toEqual([503, 'log_unavailable']);
    expect((await a.get('/api/timeslots')).statusCode).toBe(200);
  });

  it('exports Prometheus metrics for requests, holds, bookings, expiries, appends and mailboxes', async () => {
    r = await appRig();
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer: { name: 'Zoë', phone: '07700900123' } });
    await a.post(`/api/timeslots/${slotIdAt(3)}/reserve`);
    const during = await r.metrics();
    expect(during).toMatch(/^holdfast_active_holds 1$/m);
    expect(during).toMatch(/^holdfast_bookings_total 1$/m);
    expect(during).toMatch(/^holdfast_mailbox_depth 0$/m);
    expect(during).toMatch(
      /^http_request_duration_seconds_count\{method="POST",route="\/api\/timeslots\/:id\/reserve",status_code="200"\} 2$/m,
    );
    await r.rig.advance(180_000);
    const after = await r.metrics();
    expect(after).toMatch(/^holdfast_active_holds 0$/m);
    expect(after).toMatch(/^holdfast_hold_expiries_total 1$/m);
  });

  it('serves OpenAPI generated from the route schemas at /docs', async () => {
    r = await appRig();
    const spec = json(await r.app.inject('/docs/json'));
    expect(spec.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/timeslots',
      '/api/timeslots/{id}/reserve',
      '/api/timeslots/{id}/book',
      '/api/timeslots/{id}/cancel',
      '/api/bookings/{ref}',
      '/api/admin/timeslots',
      '/api/admin/timeslots/{id}/history',
      '/api/admin/timeslots/{id}/state',
    ]) {
      expect(Object.keys(spec.paths)).toContain(path);
    }
    expect(spec.paths['/api/timeslots/{id}/reserve'].post.responses).toHaveProperty('409');
    const ui = await r.app.inject('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('keeps customer contact details and manage tokens out of the logs', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const { app, engine, clock, dispose } = await unstartedApp(pino({ level: 'trace' }, sink));
    try {
      await engine.start();
      await engine.open(
        { stylist: 'Anna', startsAt: clock.now() + 48 * 3_600_000, endsAt: clock.now() + 49 * 3_600_000 },
        { actor: { kind: 'owner' } },
      );
      const id = [...engine.models.availability.slots.keys()][0] ?? '';
      const first = await app.inject({ method: 'POST', url: `/api/timeslots/${id}/reserve` });
      const cookie = String(first.headers['set-cookie']).split(';')[0] ?? '';
      const booked = await app.inject({
        method: 'POST',
        url: `/api/timeslots/${id}/book`,
        headers: { cookie },
        payload: { customer: { name: 'Zoë', phone: '+44 7700 900999', email: 'zoe@private.example' } },
      });
      const { reference, manage_token: token } = json(booked).booking;
      await app.inject({ method: 'GET', url: `/api/bookings/${reference}?token=${token}` });
      const all = lines.join('');
      expect(all).toContain(reference); // the log does say what happened
      expect(all).not.toContain('900999');
      expect(all).not.toContain('zoe@private.example');
      expect(all).not.toContain(token);
    } finally {
      await dispose();
    }
  });
});
