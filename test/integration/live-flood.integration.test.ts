import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE_TOO_MANY } from '../../src/http/live/routes.js';
import { createSnapshotTexts } from '../../src/http/live/snapshots.js';
import { publicSlot } from '../../src/http/views.js';
import { callerFrom } from '../support/addresses.js';
import { type AppRig, appRig, slotIdAt } from '../support/app-harness.js';
import { anna, until } from '../support/fixtures.js';
import { connectLive, type LiveClient } from '../support/ws-client.js';

// One unauthenticated live socket, or one address with thousands of them, must not stall
// the server for everyone else: a socket has an allowance of messages (a resync costs
// more), a snapshot is serialized once and shared, and a network has a cap on sockets.

let r: AppRig | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await r?.dispose();
  r = undefined;
});

const listen = async (rig: AppRig): Promise<{ http: string; ws: string }> => {
  await rig.app.listen({ port: 0, host: '0.0.0.0' });
  const { port } = rig.app.server.address() as AddressInfo;
  return { http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
};

const wsClients = async (rig: AppRig): Promise<number> =>
  Number(/^holdfast_websocket_clients (\d+)$/m.exec(await rig.metrics())?.[1]);

/** Opens a socket from `localAddress`; resolves with it open, or with the upgrade's refusal status. */
const open = (url: string, localAddress = '127.0.0.1') =>
  new Promise<WebSocket | number>((done) => {
    const socket = new WebSocket(url, { localAddress });
    socket.on('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
    socket.on('open', () => {
      sockets.push(socket);
      done(socket);
    });
    socket.on('error', () => done(0));
  });

describe('a resync flood on one socket', () => {
  it('closes the socket (4029) after its allowance, sends a few snapshots, and the others are served meanwhile', async () => {
    const slots = Array.from({ length: 200 }, (_, i) => anna(2 + i)); // a snapshot of ~40 KB
    r = await appRig({ slots });
    const base = await listen(r);
    const flood: LiveClient = await connectLive(`${base.ws}/api/live`);
    await flood.next((m) => m.type === 'snapshot');
    const honest = callerFrom('127.0.0.2');
    try {
      for (let i = 0; i < 3_000; i += 1) flood.send({ type: 'resync' });
      // Meanwhile, another client holds and books.
      const held = await honest.call('POST', `${base.http}/api/timeslots/${slotIdAt(3)}/reserve`);
      const booked = await honest.call('POST', `${base.http}/api/timeslots/${slotIdAt(3)}/book`, {
        customer: { name: 'Honest Client', phone: '07700 900123' },
      });
      expect([held.status, booked.status]).toEqual([200, 200]);
      const closed = await flood.closed;
      expect(closed.code).toBe(CLOSE_TOO_MANY);
      // The allowance: the first snapshot, and at most two resyncs' worth of burst.
      expect(flood.messages.filter((m) => m.type === 'snapshot').length).toBeLessThanOrEqual(3);
      expect((await fetch(`${base.http}/healthz`)).status).toBe(200);
    } finally {
      await honest.close();
    }
  });

  it('lets an ordinary socket resync now and then, and keeps serving it', async () => {
    r = await appRig();
    const base = await listen(r);
    const client = await connectLive(`${base.ws}/api/live`);
    await client.next((m) => m.type === 'snapshot');
    client.send({ type: 'resync' });
    await client.next((m) => m.type === 'snapshot');
    client.send({ type: 'ping' });
    await client.next((m) => m.type === 'pong');
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.close();
  });
});

describe('a socket flood from one address', () => {
  it('caps live sockets per network (429 before the upgrade); other networks still connect', async () => {
    r = await appRig({ settings: { maxSocketsPerIp: 50 } });
    const base = await listen(r);
    const outcomes = [];
    for (let i = 0; i < 60; i += 1) outcomes.push(await open(`${base.ws}/api/live`, '127.0.0.9'));
    expect(outcomes.filter((o) => o instanceof WebSocket)).toHaveLength(50);
    expect(outcomes.slice(50)).toEqual(Array(10).fill(429));
    await until(async () => (await wsClients(r as AppRig)) === 50);
    const other = await open(`${base.ws}/api/live`, '127.0.0.10');
    expect(other).toBeInstanceOf(WebSocket);
    // A socket that closes gives its place back.
    (outcomes[0] as WebSocket).close();
    await until(async () => (await wsClients(r as AppRig)) === 50);
    expect(await open(`${base.ws}/api/live`, '127.0.0.9')).toBeInstanceOf(WebSocket);
    expect(await open(`${base.ws}/api/live`, '127.0.0.9')).toBe(429);
  });

  it('holds the cap when sixty sockets arrive at once (the ones past it are closed with 4029)', async () => {
    r = await appRig({ settings: { maxSocketsPerIp: 50 } });
    const base = await listen(r);
    const outcomes = await Promise.all(Array.from({ length: 60 }, () => open(`${base.ws}/api/live`, '127.0.0.11')));
    const opened = outcomes.filter((o): o is WebSocket => o instanceof WebSocket);
    await until(async () => opened.filter((s) => s.readyState === WebSocket.OPEN).length <= 50);
    await until(async () => (await wsClients(r as AppRig)) === 50);
    expect(outcomes.filter((o) => typeof o === 'number').every((status) => status === 429)).toBe(true);
  });
});

describe('snapshots', () => {
  it('are serialized once per log position and window, and shared by every viewer without a slot of its own', async () => {
    r = await appRig();
    const { models } = r.rig.engine;
    let rendered = 0;
    const texts = createSnapshotTexts({
      models,
      zone: 'Europe/London',
      now: () => r?.rig.clock.now() ?? 0,
      render: (slot, now) => {
        rendered += 1;
        return publicSlot(slot, undefined, now);
      },
    });
    const first = texts.forViewer({}, 'someone', (s, now) => publicSlot(s, 'someone', now));
    for (let i = 0; i < 100; i += 1) {
      expect(texts.forViewer({}, `viewer-${i}`, (s, now) => publicSlot(s, `viewer-${i}`, now))).toBe(first);
    }
    expect(rendered).toBe(5); // the five slots, once
    // The log moves: the shared text is built again, once; a viewer with a hold in the
    // window gets a text of its own (its hold shows as its own).
    await r.client().post(`/api/timeslots/${slotIdAt(3)}/reserve`);
    const holder = [...models.availability.holdsByClient.keys()][0] ?? '';
    const own = JSON.parse(texts.forViewer({}, holder, (s, now) => publicSlot(s, holder, now)));
    expect(own.timeslots.find((s: { id: string }) => s.id === slotIdAt(3))).toMatchObject({ yours: true });
    const shared = texts.forViewer({}, 'a', (s, now) => publicSlot(s, 'a', now));
    expect(texts.forViewer({}, 'b', (s, now) => publicSlot(s, 'b', now))).toBe(shared);
    expect(JSON.parse(shared).timeslots.find((s: { id: string }) => s.id === slotIdAt(3)).status).toBe('unavailable');
    expect(rendered).toBe(10);
  });
});
