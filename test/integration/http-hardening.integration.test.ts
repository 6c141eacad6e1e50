import { fdatasync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { checkLog, describeViolations } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { startMetricsServer } from '../../src/http/metrics-server.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics } from '../../src/metrics.js';
import { callerFrom, loopback } from '../support/addresses.js';
import { type AppRig, appRig, METRICS_TOKEN, slotIdAt, unstartedApp } from '../support/app-harness.js';

// What a hostile client tries, and what it gets: a stampede on one slot, a session racing
// itself, another site's page acting with a visitor's cookie, names that break screens, a
// frame too big, a body dripped a byte at a time, and the business figures in /metrics.

const json = (response: { body: string }) => JSON.parse(response.body);
let r: AppRig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

const listen = async (rig: AppRig): Promise<string> => {
  await rig.app.listen({ port: 0, host: '0.0.0.0' });
  return `http://127.0.0.1:${(rig.app.server.address() as AddressInfo).port}`;
};

describe('a stampede on one slot', () => {
  it('answers 300 clients on 300 addresses with one 200 and 409 for the rest, never a 5xx, on a slow disk', async () => {
    // Every WAL sync takes 100 ms: all 300 arrive while the first hold is being written.
    r = await appRig({ log: { syncWal: (fd, done) => setTimeout(() => fdatasync(fd, done), 100) } });
    const base = await listen(r);
    const slot = slotIdAt(4);
    const callers = Array.from({ length: 300 }, (_, i) => callerFrom(loopback(i)));
    try {
      const replies = await Promise.all(callers.map((c) => c.call('POST', `${base}/api/timeslots/${slot}/reserve`)));
      const statuses = replies.map((reply) => reply.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(299);
      expect(new Set(replies.filter((x) => x.status === 409).map((x) => x.body.error))).toEqual(
        new Set(['slot_taken']),
      );
      expect(describeViolations(checkLog(await readWholeLog(r.rig.log), r.rig.clock.now()).violations)).toEqual([]);
    } finally {
      await Promise.all(callers.map((c) => c.close()));
    }
  });
});

describe('503 only with Retry-After', () => {
  it('answers a request that arrives while the app is closing with 503 shutting_down and Retry-After', async () => {
    r = await appRig({ log: { syncWal: (fd, done) => setTimeout(() => fdatasync(fd, done), 300) } });
    const { port } = new URL(await listen(r));
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => {
      text += String(chunk);
    });
    const ended = new Promise((done) => socket.on('close', done));
    // A hold being written (a slow disk), then, once closing has begun, another request on that connection.
    socket.write(`POST /api/timeslots/${slotIdAt(2)}/reserve HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`);
    await new Promise((done) => setTimeout(done, 50));
    const closing = r.app.close();
    await new Promise((done) => setTimeout(done, 20));
    socket.write('GET /api/timeslots HTTP/1.1\r\nHost: x\r\n\r\n');
    await Promise.race([ended, new Promise((done) => setTimeout(done, 3_000))]);
    socket.destroy();
    await closing;
    expect(text).toMatch(/^HTTP\/1\.1 200/); // the request in flight is finished
    expect(text).toMatch(/HTTP\/1\.1 503[\s\S]*retry-after: 2[\s\S]*"error":"shutting_down"/i);
  });
});

describe('one session racing itself', () => {
  it('reserving and releasing one slot at once never says "too many holds", and Retry-After is whole seconds', async () => {
    r = await appRig({ engine: { holdCooldownSeconds: 0 } });
    const a = r.client();
    await a.get('/api/timeslots'); // a session
    const codes = new Set<string>();
    for (let round = 0; round < 20; round += 1) {
      const slot = slotIdAt(2 + (round % 3));
      const replies = await Promise.all([
        a.post(`/api/timeslots/${slot}/reserve`),
        a.post(`/api/timeslots/${slot}/reserve`),
        a.post(`/api/timeslots/${slot}/cancel`),
        a.post(`/api/timeslots/${slot}/reserve`),
        a.post(`/api/timeslots/${slot}/cancel`),
      ]);
      for (const reply of replies) {
        codes.add(reply.statusCode === 200 ? 'ok' : json(reply).error);
        const retry = reply.headers['retry-after'];
        if (retry !== undefined) expect(String(retry)).toMatch(/^[1-9]\d*$/);
      }
      await a.post(`/api/timeslots/${slot}/cancel`);
    }
    expect(codes.has('too_many_holds')).toBe(false);
    expect(codes.has('ok')).toBe(true);
  });

  it('a cap refusal says when a place frees up, in whole seconds, even with holds still in flight', async () => {
    r = await appRig({ engine: { maxHoldsPerClient: 1 } });
    const a = r.client();
    await a.get('/api/timeslots');
    const replies = await Promise.all([2, 3, 4].map((h) => a.post(`/api/timeslots/${slotIdAt(h)}/reserve`)));
    const refused = replies.filter((reply) => reply.statusCode === 429);
    expect(refused).toHaveLength(2);
    for (const reply of refused) {
      expect(json(reply).error).toBe('too_many_holds');
      expect(String(reply.headers['retry-after'])).toMatch(/^[1-9]\d*$/);
    }
  });
});

describe('requests from another site', () => {
  const foreign = { origin: 'https://evil.example' };

  it('refuses a state change made with the visitor’s cookie from a foreign origin (403), and changes nothing', async () => {
    r = await appRig();
    const visitor = r.client();
    await visitor.get('/api/timeslots');
    const position = r.rig.engine.models.position;
    for (const [url, headers] of [
      [`/api/timeslots/${slotIdAt(2)}/reserve`, foreign],
      [`/api/timeslots/${slotIdAt(2)}/reserve`, { origin: 'null' }],
      [`/api/timeslots/${slotIdAt(3)}/reserve`, { 'sec-fetch-site': 'cross-site' }],
      [`/api/timeslots/${slotIdAt(3)}/reserve`, { 'sec-fetch-site': 'same-site' }],
      [`/api/timeslots/${slotIdAt(2)}/cancel`, foreign],
      ['/api/bookings/HF-AAAA-AAAA/cancel', foreign],
      ['/api/bookings/HF-AAAA-AAAA/reschedule', foreign],
    ] as const) {
      const res = await visitor.request('POST', url, undefined, headers);
      expect([url, res.statusCode, json(res).error]).toEqual([url, 403, 'cross_site_request']);
    }
    expect(r.rig.engine.models.position).toBe(position);
    // Reads are not state changes; our own origin, a plain client and a listed origin pass.
    expect((await visitor.request('GET', '/api/timeslots', undefined, foreign)).statusCode).toBe(200);
    const ours = await visitor.request('POST', `/api/timeslots/${slotIdAt(2)}/reserve`, undefined, {
      origin: 'http://localhost:80',
      host: 'localhost:80',
      'sec-fetch-site': 'same-origin',
    });
    expect(ours.statusCode).toBe(200);
    expect((await r.client().post(`/api/timeslots/${slotIdAt(3)}/reserve`)).statusCode).toBe(200);
  });

  it('lets the listed CORS_ORIGIN and PUBLIC_URL act, and refuses foreign live sockets before the upgrade', async () => {
    r = await appRig({
      settings: { corsOrigins: ['https://salon.example'], publicUrl: 'https://book.salon.example/' },
    });
    const listed = await r.client().request('POST', `/api/timeslots/${slotIdAt(2)}/reserve`, undefined, {
      origin: 'https://salon.example',
    });
    expect(listed.statusCode).toBe(200);
    // Behind a proxy that ends TLS and rewrites Host: PUBLIC_URL says who we are.
    const proxied = await r
      .client({ ip: '198.51.100.30' })
      .request('POST', `/api/timeslots/${slotIdAt(3)}/reserve`, undefined, {
        origin: 'https://book.salon.example',
        host: '127.0.0.1:3000',
      });
    expect(proxied.statusCode).toBe(200);
    const base = (await listen(r)).replace('http', 'ws');
    const status = (url: string, origin: string) =>
      new Promise<number>((done) => {
        const socket = new WebSocket(url, { origin });
        socket.on('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
        socket.on('open', () => {
          socket.close();
          done(101);
        });
      });
    expect(await status(`${base}/api/live`, 'https://evil.example')).toBe(403);
    expect(await status(`${base}/api/admin/live`, 'https://evil.example')).toBe(403);
    expect(await status(`${base}/api/live`, 'https://salon.example')).toBe(101);
    expect(await status(`${base}/api/live`, base.replace('ws', 'http'))).toBe(101);
  });
});

describe('behind a proxy (TRUST_PROXY=1)', () => {
  it('takes the client address the proxy saw, not one the client wrote into X-Forwarded-For', async () => {
    r = await appRig({
      engine: { maxHoldsPerNetwork: 1 },
      settings: { trustProxy: ['loopback', 'linklocal', 'uniquelocal'] },
    });
    // The proxy (on loopback) appends the address it saw to whatever the client sent.
    const via = (claimed: string, hour: number) =>
      r?.app.inject({
        method: 'POST',
        url: `/api/timeslots/${slotIdAt(hour)}/reserve`,
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': `${claimed}, 203.0.113.9` },
      });
    expect((await via('6.6.6.6', 2))?.statusCode).toBe(200);
    const second = await via('7.7.7.7', 3); // a new session and a new claimed address: the same network
    expect([second?.statusCode, second && json(second).error]).toEqual([429, 'too_many_holds_from_network']);
  });
});

describe('names people type', () => {
  it.each([
    ['a NUL', 'Ada\u0000Lovelace'],
    ['an escape sequence', 'Ada\u001b[2J'],
    ['a C1 control', 'Ada\u0085'],
    ['a lone high surrogate', 'Ada \ud83d'],
    ['a lone low surrogate', '\ude00 Ada'],
    ['only zero-width spaces', '\u200b\u200b'],
    ['a private-use character', 'Ada \ue000'],
    ['a noncharacter', 'Ada \uffff'],
  ])('refuses %s with 400 invalid_customer and books nothing', async (_what, name) => {
    r = await appRig();
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    const position = r.rig.engine.models.position;
    const res = await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer: { name, phone: '07700 900123' } });
    expect([res.statusCode, json(res).error]).toEqual([400, 'invalid_customer']);
    expect(r.rig.engine.models.position).toBe(position);
  });

  it('takes bidi overrides out, and keeps real names whole (accents, scripts, emoji)', async () => {
    r = await appRig();
    const book = async (hour: number, name: string) => {
      const a = r?.client({ ip: `198.51.100.${hour}` }) as ReturnType<AppRig['client']>;
      await a.post(`/api/timeslots/${slotIdAt(hour)}/reserve`);
      const res = await a.post(`/api/timeslots/${slotIdAt(hour)}/book`, { customer: { name, phone: '07700 900123' } });
      return json(res).booking?.customer?.name;
    };
    expect(await book(2, 'Anna\u202Egnp.exe\u202C')).toBe('Annagnp.exe');
    expect(await book(3, '\u2067Zoë\u2069 Ωmega 😀')).toBe('Zoë Ωmega 😀');
    expect(await book(4, 'Siobhán Ó Súilleabháin')).toBe('Siobhán Ó Súilleabháin');
  });
});

describe('a client’s faults are not our errors', () => {
  it('logs an oversized live frame at info, without a stack, and closes only that socket', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    r = await appRig({ logger: createLogger('info', stream) });
    const base = (await listen(r)).replace('http', 'ws');
    for (let i = 0; i < 3; i += 1) {
      const socket = new WebSocket(`${base}/api/live`);
      await new Promise((done) => socket.on('open', done));
      socket.send('x'.repeat(64 * 1024));
      const code = await new Promise<number>((done) => socket.on('close', (c) => done(c)));
      expect([1006, 1009]).toContain(code); // "message too big", or terminated
    }
    const about = lines.filter((l) => JSON.stringify(l).includes('WS_ERR_'));
    expect(about.length).toBeGreaterThanOrEqual(3);
    expect(about.every((l) => l.level === 30 && !JSON.stringify(l).includes('stack'))).toBe(true);
    expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    expect((await r.app.inject('/healthz')).statusCode).toBe(200);
  });
});

describe('many connections from one address', () => {
  it('caps open connections per network with a coded 429; other networks still connect', async () => {
    r = await appRig({ settings: { maxConnectionsPerIp: 5 } });
    const { port } = new URL(await listen(r));
    const open = (localAddress: string) =>
      new Promise<{ socket: ReturnType<typeof connect>; answer: Promise<string> }>((done) => {
        const socket = connect({ port: Number(port), host: '127.0.0.1', localAddress });
        let text = '';
        const answer = new Promise<string>((settle) => {
          socket.on('data', (chunk) => {
            text += String(chunk);
          });
          socket.on('close', () => settle(text));
        });
        socket.on('connect', () => done({ socket, answer }));
      });
    const held = [];
    for (let i = 0; i < 5; i += 1) held.push(await open('127.0.0.40'));
    const sixth = await open('127.0.0.40');
    expect(await sixth.answer).toMatch(/^HTTP\/1\.1 429[\s\S]*"error":"too_many_connections"/);
    const elsewhere = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(elsewhere.status).toBe(200);
    held[0]?.socket.destroy();
    await new Promise((done) => setTimeout(done, 50));
    const again = await open('127.0.0.40');
    again.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await again.answer).toMatch(/^HTTP\/1\.1 200/);
    for (const h of held) h.socket.destroy();
  });

  it('answers a URL it cannot decode with a coded 400', async () => {
    r = await appRig();
    const res = await r.app.inject({ method: 'POST', url: '/api/timeslots/%zz/reserve' });
    expect([res.statusCode, json(res).error]).toEqual([400, 'bad_url']);
  });
});

describe('slow bodies', () => {
  it('closes a request whose body drips in a byte at a time, with a coded 408', async () => {
    r = await appRig({ settings: { requestTimeoutMs: 600 } });
    const { port } = new URL(await listen(r));
    const socket = connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });
    const closed = new Promise<number>((done) => {
      const started = Date.now();
      socket.on('close', () => done(Date.now() - started));
    });
    socket.write(
      `POST /api/timeslots/${slotIdAt(2)}/reserve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{`,
    );
    const drip = setInterval(() => socket.writable && socket.write(' '), 50);
    try {
      const after = await closed;
      expect(after).toBeLessThan(5_000); // without a request timeout it stays open for minutes
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect(answer).toContain('"error":"request_timeout"');
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    expect((await r.app.inject('/healthz')).statusCode).toBe(200);
  });
});

describe('/metrics', () => {
  it('is refused without METRICS_TOKEN and with a wrong one, and served with the right one', async () => {
    const tokenless = await unstartedApp(); // no METRICS_TOKEN set
    try {
      const none = await tokenless.app.inject('/metrics');
      expect([none.statusCode, json(none).error]).toEqual([401, 'metrics_token_required']);
      expect(none.body).not.toContain('holdfast_');
    } finally {
      await tokenless.dispose();
    }
    r = await appRig();
    const wrong = await r.app.inject({ url: '/metrics', headers: { authorization: 'Bearer nope' } });
    expect([wrong.statusCode, json(wrong).error]).toEqual([401, 'unauthorized']);
    const right = await r.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('holdfast_active_holds');
  });

  it('is served without a token on its own listener (METRICS_PORT), on loopback by default', async () => {
    const metrics = createMetrics();
    const server = await startMetricsServer(metrics, { port: 0, host: '127.0.0.1' });
    try {
      const address = server.server.address() as AddressInfo;
      expect(address.address).toBe('127.0.0.1');
      const res = await fetch(`http://127.0.0.1:${address.port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('holdfast_websocket_clients');
      expect((await fetch(`http://127.0.0.1:${address.port}/api/timeslots`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
