import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { streamIdOf } from '../../machines/index.js';
import { CLOSE_TOO_SLOW, CLOSE_UNAUTHORISED } from '../../src/http/live/routes.js';
import { type AppRig, appRig, OWNER_TOKEN, slotIdAt } from '../support/app-harness.js';
import { anna, MINUTE, T0, until } from '../support/fixtures.js';
import { connectLive, type LiveClient } from '../support/ws-client.js';

// Live updates over a real socket with a real WebSocket client.

let r: AppRig | undefined;
const open: LiveClient[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.socket.terminate();
  await r?.dispose();
  r = undefined;
});

const listen = async (rig: AppRig): Promise<string> => {
  await rig.app.listen({ port: 0, host: '127.0.0.1' });
  return `ws://127.0.0.1:${(rig.app.server.address() as AddressInfo).port}`;
};
const live = async (url: string, headers: Record<string, string> = {}) => {
  const client = await connectLive(url, headers);
  open.push(client);
  return client;
};
const wsClients = async (rig: AppRig): Promise<number> => {
  const text = await rig.metrics();
  return Number(/^holdfast_websocket_clients (\d+)$/m.exec(text)?.[1]);
};

describe('GET /api/live', () => {
  it('sends a snapshot, then each committed change: yours to the holder, unavailable to others', async () => {
    r = await appRig();
    const base = await listen(r);
    const holder = r.client();
    await holder.get('/api/timeslots'); // the holder's browser has its session cookie
    const holderLive = await live(`${base}/api/live`, { cookie: holder.cookie ?? '' });
    const otherLive = await live(`${base}/api/live`);

    const snapshot = await otherLive.next((m) => m.type === 'snapshot');
    expect(snapshot.position).toBe(r.rig.engine.models.position);
    expect(snapshot.timeslots?.map((s) => s.id)).toEqual([2, 3, 4, 5, 6].map(slotIdAt));
    expect(snapshot.timeslots?.every((s) => s.status === 'available')).toBe(true);
    await holderLive.next((m) => m.type === 'snapshot');

    const reserved = await holder.post(`/api/timeslots/${slotIdAt(3)}/reserve`);
    expect(reserved.statusCode).toBe(200);
    const seenByOther = await otherLive.next((m) => m.type === 'slot');
    expect(seenByOther.timeslot).toEqual({
      id: slotIdAt(3),
      start_time: new Date(anna(3).startsAt).toISOString(),
      end_time: new Date(anna(3).endsAt).toISOString(),
      stylist: 'Anna',
      status: 'unavailable',
      yours: false,
      version: 1,
    });
    const seenByHolder = await holderLive.next((m) => m.type === 'slot');
    expect(seenByHolder.timeslot).toMatchObject({
      id: slotIdAt(3),
      status: 'reserved',
      yours: true,
      expires_at: new Date(T0 + 3 * MINUTE).toISOString(),
    });
    // Persist, then tell: the event was in the log before anyone heard of it.
    const stream = await r.rig.log.readStream(streamIdOf(slotIdAt(3)));
    expect(stream.at(-1)?.type).toBe('TimeslotReserved');
    expect(seenByOther.position).toBeGreaterThanOrEqual(stream.at(-1)?.position ?? Number.POSITIVE_INFINITY);

    await r.rig.advance(180_000); // the hold lapses and comes back to everyone
    const back = await otherLive.next((m) => m.type === 'slot');
    expect(back.timeslot).toMatchObject({ id: slotIdAt(3), status: 'available', version: 2 });
  });

  it('takes one commit as a unit: the slots it changed reach each client in one message, folded together', async () => {
    r = await appRig();
    const base = await listen(r);
    const client = await live(`${base}/api/live`);
    const owner = await live(`${base}/api/admin/live`, { authorization: `Bearer ${OWNER_TOKEN}` });
    await client.next((m) => m.type === 'snapshot');
    await owner.next((m) => m.type === 'snapshot');
    const commits: number[] = [];
    r.rig.engine.onCommitted((commit) => void commits.push(commit.length));
    // Two slots closed in one write (as an appointment's slots will be): one commit.
    const closed = (hour: number) => ({
      streamId: streamIdOf(slotIdAt(hour)),
      events: [{ type: 'TimeslotClosed', data: { closedAt: new Date(T0).toISOString() }, metadata: {} }],
      expected: 0,
    });
    const { position } = await r.rig.log.appendMany([closed(2), closed(3)]);
    for (const stream of [client, owner]) {
      const message = await stream.next((m) => m.type !== 'snapshot');
      expect(message.type).toBe('slots');
      expect(message.position).toBe(position);
      expect((message.timeslots ?? []).map((s) => s.id)).toEqual([slotIdAt(2), slotIdAt(3)]);
    }
    expect(client.messages.filter((m) => m.type === 'slot')).toEqual([]); // never half of it
    expect(commits).toEqual([2]);
  });

  it('resyncs on request with a fresh snapshot, and answers nonsense with an error message', async () => {
    r = await appRig({ settings: { liveAllowance: { capacity: 20, perSecond: 1 } } });
    const client = await live(`${await listen(r)}/api/live?stylist=anna&from=2026-12-05T11:00:00Z`);
    const first = await client.next((m) => m.type === 'snapshot');
    expect(first.timeslots).toHaveLength(4);
    await r.owner('POST', '/api/admin/timeslots', {
      timeslots: [{ stylist: 'Ben', start_time: '2026-12-05T12:00:00Z', end_time: '2026-12-05T13:00:00Z' }],
    });
    await r.client().post(`/api/timeslots/${slotIdAt(4)}/reserve`);
    // Only Anna's slots are followed: Ben's new slot is not pushed.
    expect((await client.next((m) => m.type === 'slot')).timeslot?.id).toBe(slotIdAt(4));
    client.send({ type: 'resync' });
    const again = await client.next((m) => m.type === 'snapshot');
    expect(again.position).toBeGreaterThan(first.position ?? 0);
    expect(again.timeslots?.find((s) => s.id === slotIdAt(4))?.status).toBe('unavailable');
    for (const junk of ['not json', 'null', '5', '"text"', '[]']) {
      client.socket.send(junk);
      expect((await client.next((m) => m.type === 'error')).error).toBe('invalid_json');
    }
    client.send({ type: 'ping' }); // still served after all that
    expect((await client.next((m) => m.type === 'pong')).position).toBe(r.rig.engine.models.position);
    client.send({ type: 'subscribe-to-everything' });
    expect((await client.next((m) => m.type === 'error')).error).toBe('unknown_message');
  });

  it('refuses a bad window with an error and a close', async () => {
    r = await appRig();
    const client = await live(`${await listen(r)}/api/live?from=yesterday`);
    expect((await client.next((m) => m.type === 'error')).error).toBe('invalid_range');
    expect((await client.closed).code).toBe(1008);
  });

  it('disconnects a client that stops reading instead of buffering for it without bound', async () => {
    const slots = Array.from({ length: 300 }, (_, i) => anna(2 + i));
    // A generous allowance: this client is slow, not flooding.
    r = await appRig({
      slots,
      settings: { maxBufferedBytes: 256 * 1024, liveAllowance: { capacity: 5_000, perSecond: 1 } },
    });
    const client = await live(`${await listen(r)}/api/live`);
    await client.next((m) => m.type === 'snapshot');
    expect(await wsClients(r)).toBe(1);
    const raw = (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause(); // a phone that went into a tunnel: nothing read any more
    for (let i = 0; i < 200; i += 1) client.send({ type: 'resync' }); // ~100 KB each
    await until(async () => (await wsClients(r as AppRig)) === 0, 10_000);
    raw.resume(); // back out of the tunnel: the connection is gone
    const closed = await client.closed;
    expect([CLOSE_TOO_SLOW, 1006]).toContain(closed.code);
  });

  it('drops a connection that stops answering heartbeats', async () => {
    r = await appRig({ settings: { heartbeatMs: 100 } });
    const client = await live(`${await listen(r)}/api/live`);
    await client.next((m) => m.type === 'snapshot');
    await new Promise((done) => setTimeout(done, 350)); // pongs flow: still connected
    expect(await wsClients(r)).toBe(1);
    (client.socket as unknown as { _socket: { pause(): void } })._socket.pause(); // pings go unanswered
    await until(async () => (await wsClients(r as AppRig)) === 0);
  });
});

describe('GET /api/admin/live', () => {
  it('needs the owner token, by header or as the first message, and then carries full detail', async () => {
    r = await appRig();
    const base = await listen(r);
    const byHeader = await live(`${base}/api/admin/live`, { authorization: `Bearer ${OWNER_TOKEN}` });
    await byHeader.next((m) => m.type === 'snapshot');
    const byMessage = await live(`${base}/api/admin/live`);
    byMessage.send({ type: 'auth', token: OWNER_TOKEN });
    await byMessage.next((m) => m.type === 'snapshot');

    await r.client().post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    for (const owner of [byHeader, byMessage]) {
      const change = await owner.next((m) => m.type === 'slot');
      expect(change.timeslot).toMatchObject({ id: slotIdAt(2), status: 'reserved', hold: { seconds_left: 180 } });
      expect(typeof (change.timeslot?.hold as { client?: unknown } | undefined)?.client).toBe('string');
    }

    const wrong = await live(`${base}/api/admin/live`);
    wrong.send({ type: 'auth', token: 'guess' });
    expect((await wrong.closed).code).toBe(CLOSE_UNAUTHORISED);
    expect(wrong.messages).toEqual([]);
    const silent = await live(`${base}/api/admin/live`);
    silent.send({ type: 'resync' });
    expect((await silent.closed).code).toBe(CLOSE_UNAUTHORISED);
    const junk = await live(`${base}/api/admin/live`);
    junk.socket.send('null');
    expect((await junk.closed).code).toBe(CLOSE_UNAUTHORISED);
    // The process is still serving.
    expect((await r.app.inject('/healthz')).statusCode).toBe(200);
  });

  it('counts wrong tokens (message or header) with the owner API’s: at the limit wrong ones get 429, the right one still gets in', async () => {
    r = await appRig({ settings: { rateLimitPerMinute: 30 } }); // limits on, as in production
    const base = await listen(r);
    for (let i = 0; i < 5; i += 1) {
      const guess = await live(`${base}/api/admin/live`);
      guess.send({ type: 'auth', token: `guess-${i}` });
      expect((await guess.closed).code).toBe(CLOSE_UNAUTHORISED);
    }
    for (let i = 0; i < 4; i += 1) {
      const guess = await live(`${base}/api/admin/live`, { authorization: `Bearer guess-${i}` });
      guess.send({ type: 'resync' }); // not signed in: closed
      expect((await guess.closed).code).toBe(CLOSE_UNAUTHORISED);
    }
    expect(
      (await r.app.inject({ url: '/api/admin/bookings', headers: { authorization: 'Bearer nope' } })).statusCode,
    ).toBe(401); // the tenth wrong guess
    await expect(live(`${base}/api/admin/live`, { authorization: 'Bearer guess-again' })).rejects.toThrow(/429/);
    const wrong = await r.app.inject({ url: '/api/admin/bookings', headers: { authorization: 'Bearer nope' } });
    expect([wrong.statusCode, JSON.parse(wrong.body).error]).toEqual([429, 'rate_limited']);
    // Someone else on the owner's network guessing must not lock the owner out.
    const right = await live(`${base}/api/admin/live`, { authorization: `Bearer ${OWNER_TOKEN}` });
    await right.next((m) => m.type === 'snapshot');
    const byMessage = await live(`${base}/api/admin/live`);
    byMessage.send({ type: 'auth', token: OWNER_TOKEN });
    await byMessage.next((m) => m.type === 'snapshot');
    expect((await r.owner('GET', '/api/admin/bookings')).statusCode).toBe(200);
    // Clients' live updates are not touched by it.
    const client = await live(`${base}/api/live`);
    expect((await client.next((m) => m.type === 'snapshot')).type).toBe('snapshot');
  });
});
