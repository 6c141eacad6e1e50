import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type AppRig, appRig, OWNER_TOKEN, slotIdAt } from '../support/app-harness.js';
import { connectLive } from '../support/ws-client.js';

// Hostile input, generated: on every route (the sign-in routes too), bad ids, path tricks,
// malformed / huge / deeply nested / unicode JSON, wrong types, missing fields, odd media
// types, forged and garbled cookies (client and console sessions), wrong owner tokens; and
// garbage WebSocket frames. Whatever arrives: never a 5xx, never a change to the log, never
// another client's data. FUZZ_RUNS sets the number of cases per property (default 300); a
// failure prints its seed and shrunk case.

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const MARKER = { name: 'Victoria Marker-Private', phone: '+44 7700 900999', email: 'victoria@private.example' };

let r: AppRig;
let heldSlot: string;
let bookedSlot: string;
let freeSlot: string;
let reference: string;
let victimCookie = '';
let positionBefore: number;

beforeAll(async () => {
  r = await appRig();
  [heldSlot, bookedSlot, freeSlot] = [slotIdAt(2), slotIdAt(3), slotIdAt(4)];
  const victim = r.client();
  await victim.post(`/api/timeslots/${heldSlot}/reserve`);
  await victim.post(`/api/timeslots/${bookedSlot}/reserve`);
  const booked = await victim.post(`/api/timeslots/${bookedSlot}/book`, { customer: MARKER });
  reference = JSON.parse(booked.body).booking.reference;
  victimCookie = victim.cookie ?? '';
  positionBefore = r.rig.engine.models.position;
});
afterAll(() => r.dispose());

// ---- generators ---------------------------------------------------------------------------

const nasty = fc.constantFrom(
  '..',
  '../../etc/passwd',
  '%2e%2e%2f%2e%2e',
  '%00',
  '%',
  '%ZZ',
  '\u0000',
  '😀',
  'ﬀ',
  'anna-20261205T1000Z%00',
  'anna-20261205T1000Z/../../admin',
  'ANNA-20261205T1000Z',
  'anna-99999999T9999Z',
  'x'.repeat(5_000),
  '__proto__',
  'constructor',
  'HF-AAAA-AAAA',
  ' ',
);
/** Never a real slot id or reference: these must change nothing whatever the route. */
const badId = () =>
  fc
    .oneof(nasty, fc.string({ maxLength: 40 }), fc.stringMatching(/^[a-z]{2,8}-20\d{6}T\d{4}Z$/))
    .filter((id) => ![heldSlot, bookedSlot, freeSlot, reference].includes(decodeURIComponent(safe(id))));
function safe(id: string): string {
  try {
    decodeURIComponent(id);
    return id;
  } catch {
    return '';
  }
}

const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
const rawBody = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '',
    '{',
    'null',
    '[]',
    '"just a string"',
    '{"customer":{"name":{"$gt":""}}}',
    '{"customer":{"name":"a","phone":12345}}',
    '{"customer":null}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"x":1}}}',
    deep(5_000, '[', ']'),
    deep(2_000, '{"a":', '}').replace(/}$/, '1}'),
    `{"customer":{"name":"${'é'.repeat(20_000)}"}}`,
    `{"pad":"${'x'.repeat(17 * 1024)}"}`,
  ),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/json; charset=utf-16',
  '',
);
const cookie = () =>
  fc.oneof(
    fc.constant(undefined),
    fc.string({ maxLength: 100 }),
    fc.string({ maxLength: 60 }).map((v) => `hf_session=${v}`),
    fc.string({ maxLength: 120 }).map((v) => `hf_staff=${v}`), // a console session that is none
    fc.string({ maxLength: 120 }).map((v) => `hf_device=${v}; hf_staff=${v}`),
    fc.string({ maxLength: 8 }).map((v) => `${victimCookie}${v}`), // the victim's cookie, tampered
    fc.constant(victimCookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))),
  );
const authorization = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 80 }).map((t) => `Bearer ${t}`),
  fc.constantFrom(
    `Bearer ${OWNER_TOKEN.slice(0, -1)}x`,
    `Bearer ${OWNER_TOKEN}x`, // (surrounding spaces are not part of a header value: that one is the token)
    `bearer${OWNER_TOKEN}`,
    'Basic YWRtaW46YWRtaW4=',
  ),
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') as fc.Arbitrary<
  NonNullable<InjectOptions['method']>
>;
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?include=all', '?from=yesterday', '?to=2026-13-45', '?date=%00', '?stylist=%ff', '?token=x&token=y'),
  fc
    .dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 4 })
    .map((q) => `?${new URLSearchParams(q).toString()}`),
);

const ROUTES = [
  '/api/salon',
  '/api/timeslots',
  '/api/timeslots/:id/reserve',
  '/api/timeslots/:id/book',
  '/api/timeslots/:id/cancel',
  '/api/bookings/:id',
  '/api/bookings/:id/cancel',
  '/api/bookings/:id/calendar.ics',
  '/api/admin/timeslots',
  '/api/admin/timeslots/:id/close',
  '/api/admin/timeslots/:id/reopen',
  '/api/admin/timeslots/:id/history',
  '/api/admin/timeslots/:id/state',
  '/api/admin/bookings',
  '/api/admin/bookings/:id/cancel',
  '/api/admin/holds',
  '/api/admin/stats',
  '/api/admin/time-off',
  '/api/admin/time-off/reopen',
  '/api/admin/staff',
  '/api/admin/staff/:id',
  '/api/admin/staff/invites',
  '/api/admin/staff/invites/:id/withdraw',
  '/api/admin/staff/:id/deactivate',
  '/api/admin/staff/:id/reset-link',
  '/api/admin/staff/history',
  '/api/admin/sessions',
  '/api/admin/sessions/:id/revoke',
  '/api/auth/setup',
  '/api/auth/login',
  '/api/auth/logout',
  '/api/auth/me',
  '/api/auth/password',
  '/api/auth/link',
  '/healthz',
  '/readyz',
  '/manage/:id',
  '/:id',
  '/api/:id',
];

// ---- properties ---------------------------------------------------------------------------

const send = async (options: InjectOptions) => {
  const response = await r.app.inject(options);
  return response;
};

/** What no hostile request may ever do. */
const expectHarmless = (response: { statusCode: number; body: string }, label: string) => {
  expect(response.statusCode, label).toBeLessThan(500);
  expect(r.rig.engine.models.position, `${label}: the log changed`).toBe(positionBefore);
  for (const secret of [MARKER.name, MARKER.phone, MARKER.email]) expect(response.body, label).not.toContain(secret);
  if (response.statusCode >= 400 && response.body.startsWith('{')) {
    expect(JSON.parse(response.body), label).toMatchObject({ error: expect.any(String) });
  }
};

describe('hostile input (fast-check)', () => {
  it('any method, route, id, query, body, media type, cookie and token: no 5xx, no change, no leak', async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        fc.constantFrom(...ROUTES),
        badId(),
        query,
        fc.option(rawBody),
        contentType,
        cookie(),
        authorization,
        async (verb, route, id, q, body, type, cookieHeader, auth) => {
          const url = route.replace(':id', encodeURIComponent(id)) + q;
          const headers: Record<string, string> = {};
          if (type !== '') headers['content-type'] = type;
          if (cookieHeader !== undefined) headers.cookie = cookieHeader;
          if (auth !== undefined) headers.authorization = auth;
          const options: InjectOptions = { method: verb, url, headers };
          if (body !== null && verb !== 'GET' && verb !== 'HEAD') options.payload = body;
          expectHarmless(await send(options), `${verb} ${url}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('real slots and the real booking, with hostile bodies and sessions: refused, unchanged, private', async () => {
    const action = fc.oneof(
      // Reserve a free slot: only a body the server must refuse (so nothing may change).
      fc.record({
        path: fc.constant(`/api/timeslots/${freeSlot}/reserve`),
        body: fc.constantFrom('{', '[', `{"pad":"${'x'.repeat(17 * 1024)}"}`, deep(5_000, '[', ']')),
        type: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
      }),
      // Someone else's hold or booking, or a slot with no hold: any body at all.
      fc.record({
        path: fc.constantFrom(
          `/api/timeslots/${heldSlot}/book`,
          `/api/timeslots/${heldSlot}/cancel`,
          `/api/timeslots/${bookedSlot}/book`,
          `/api/timeslots/${bookedSlot}/cancel`,
          `/api/timeslots/${freeSlot}/book`,
          `/api/timeslots/${freeSlot}/cancel`,
          `/api/bookings/${reference}/cancel`,
          `/api/admin/timeslots/${heldSlot}/close`,
          `/api/admin/bookings/${reference}/cancel`,
        ),
        body: rawBody,
        type: contentType,
      }),
    );
    await fc.assert(
      fc.asyncProperty(action, cookie(), authorization, query, async ({ path, body, type }, cookieHeader, auth, q) => {
        // The victim's own untampered cookie is not hostile; everything else is.
        fc.pre(cookieHeader !== victimCookie);
        const headers: Record<string, string> = {};
        if (type !== '') headers['content-type'] = type;
        if (cookieHeader !== undefined) headers.cookie = cookieHeader;
        if (auth !== undefined) headers.authorization = auth;
        const response = await send({ method: 'POST', url: path + q, headers, payload: body });
        expectHarmless(response, `POST ${path}${q}`);
        expect(response.statusCode, `POST ${path}`).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: RUNS },
    );
    // And the victim's booking and hold stand, untouched.
    const victim = await send({ method: 'GET', url: '/api/timeslots?include=all', headers: { cookie: victimCookie } });
    const mine = (JSON.parse(victim.body) as Array<{ id: string; status: string; yours: boolean }>).filter(
      (s) => s.yours,
    );
    expect(mine.map((s) => [s.id, s.status])).toEqual([
      [heldSlot, 'reserved'],
      [bookedSlot, 'booked'],
    ]);
  });

  it('garbage WebSocket frames: the socket may close, the process and other clients carry on', async () => {
    await r.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `ws://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    const bystander = await connectLive(`${base}/api/live`);
    await bystander.next((m) => m.type === 'snapshot');
    const frame = fc.oneof(
      fc.string({ maxLength: 300 }).map((s) => ({ data: s, binary: false })),
      fc.json({ maxDepth: 5 }).map((s) => ({ data: s, binary: false })),
      fc
        .constantFrom(
          '{"type":"resync"',
          `{"type":"ping","x":${'1'.repeat(100)}}`,
          'null',
          '[]',
          '5',
          '{"type":"auth","token":{}}',
          '{"type":"__proto__"}',
        )
        .map((s) => ({ data: s, binary: false })),
      fc.uint8Array({ maxLength: 300 }).map((b) => ({ data: Buffer.from(b), binary: true })),
      fc.constant({ data: 'x'.repeat(8 * 1024), binary: false }), // over the 4 KiB frame limit
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/live', '/api/admin/live', '/api/live?stylist=%00&from=x'),
        fc.array(frame, { minLength: 1, maxLength: 5 }),
        async (path, frames) => {
          const socket = new WebSocket(`${base}${path}`);
          const received: string[] = [];
          socket.on('message', (data) => received.push(String(data)));
          const closed = new Promise<number>((done) => socket.on('close', (code) => done(code)));
          socket.on('error', () => undefined);
          await new Promise<void>((done) => socket.once('open', () => done()));
          for (const f of frames) if (socket.readyState === WebSocket.OPEN) socket.send(f.data, { binary: f.binary });
          await new Promise((done) => setTimeout(done, 20));
          socket.close();
          const code = await closed;
          expect([1000, 1005, 1006, 1008, 1009, 4001, 4008]).toContain(code);
          for (const message of received) {
            for (const secret of [MARKER.name, MARKER.phone]) expect(message).not.toContain(secret);
          }
          expect(r.rig.engine.models.position).toBe(positionBefore);
        },
      ),
      { numRuns: Math.ceil(RUNS / 3) },
    );
    // The process still serves, and the bystander still hears changes.
    expect((await fetch(`${base.replace('ws', 'http')}/healthz`)).status).toBe(200);
    const someone = r.client();
    expect((await someone.post(`/api/timeslots/${freeSlot}/reserve`)).statusCode).toBe(200);
    const pushed = await bystander.next((m) => m.type === 'slot' && m.timeslot?.id === freeSlot);
    expect(pushed.timeslot).toMatchObject({ status: 'unavailable' });
    bystander.close();
  });
});
