import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callerFrom } from '../support/addresses.js';
import { type AppRig, appRig, slotIdAt } from '../support/app-harness.js';
import { OWNER, type Rig, sqliteRig } from '../support/engine-harness.js';
import { anna, MINUTE, tempDir } from '../support/fixtures.js';
import { assertBuilt, type ServerProcess, startServer, stopServer } from '../support/server-process.js';

// Holds are not renewable: after a client's hold on a slot ends (released or lapsed), that
// client (its session, and anyone on its network) cannot hold that slot again for the
// cool-down. Decided from the log, so it holds across a restart and across processes.

const json = (response: { body: string }) => JSON.parse(response.body);

describe('the cool-down over HTTP', () => {
  let r: AppRig | undefined;
  afterEach(async () => {
    await r?.dispose();
    r = undefined;
  });

  it('refuses an immediate re-reserve with 429 hold_cooldown and Retry-After, for the session and its network', async () => {
    r = await appRig(); // HOLD_COOLDOWN_SECONDS defaults to the hold length: 180 s
    const a = r.client({ ip: '198.51.100.7' });
    const slot = slotIdAt(3);
    expect((await a.post(`/api/timeslots/${slot}/reserve`)).statusCode).toBe(200);
    await r.rig.advance(MINUTE);
    expect((await a.post(`/api/timeslots/${slot}/cancel`)).statusCode).toBe(200);

    const again = await a.post(`/api/timeslots/${slot}/reserve`);
    expect([again.statusCode, json(again).error]).toEqual([429, 'hold_cooldown']);
    expect(again.headers['retry-after']).toBe('180');
    // A fresh cookie on the same network is the same client for this rule.
    const sameNetwork = await r.client({ ip: '198.51.100.7' }).post(`/api/timeslots/${slot}/reserve`);
    expect([sameNetwork.statusCode, json(sameNetwork).error]).toEqual([429, 'hold_cooldown']);
    // Other slots, and other networks, are not affected.
    expect((await a.post(`/api/timeslots/${slotIdAt(4)}/reserve`)).statusCode).toBe(200);
    await r.rig.advance(MINUTE);
    const later = await a.post(`/api/timeslots/${slot}/reserve`);
    expect(later.headers['retry-after']).toBe('120');
    await r.rig.advance(2 * MINUTE);
    expect((await a.post(`/api/timeslots/${slot}/reserve`)).statusCode).toBe(200);
  });

  it('counts a lapsed hold from its deadline, and an owner closing the slot leaves no cool-down', async () => {
    r = await appRig();
    const a = r.client({ ip: '198.51.100.8' });
    expect((await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`)).statusCode).toBe(200);
    await r.rig.advance(3 * MINUTE); // the hold lapses
    const lapsed = await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    expect([lapsed.statusCode, lapsed.headers['retry-after']]).toEqual([429, '180']);

    expect((await a.post(`/api/timeslots/${slotIdAt(5)}/reserve`)).statusCode).toBe(200);
    await r.owner('POST', `/api/admin/timeslots/${slotIdAt(5)}/close`);
    await r.owner('POST', `/api/admin/timeslots/${slotIdAt(5)}/reopen`);
    expect((await a.post(`/api/timeslots/${slotIdAt(5)}/reserve`)).statusCode).toBe(200);
  });

  it('counts a booking the client cancelled like a released hold (book, cancel, reserve again is no renewal)', async () => {
    r = await appRig({ settings: { cancelCutoffHours: 0 } });
    const a = r.client({ ip: '198.51.100.12' });
    const slot = slotIdAt(4);
    expect((await a.post(`/api/timeslots/${slot}/reserve`)).statusCode).toBe(200);
    const booked = json(await a.post(`/api/timeslots/${slot}/book`, { customer: { name: 'Jo', phone: '0000000' } }));
    const ref = booked.booking.reference;
    expect((await a.post(`/api/bookings/${ref}/cancel`)).statusCode).toBe(200);
    const again = await a.post(`/api/timeslots/${slot}/reserve`);
    expect([again.statusCode, json(again).error, again.headers['retry-after']]).toEqual([429, 'hold_cooldown', '180']);
    // The salon cancelling a booking leaves none.
    const b = r.client({ ip: '198.51.100.13' });
    expect((await b.post(`/api/timeslots/${slotIdAt(5)}/reserve`)).statusCode).toBe(200);
    const other = json(
      await b.post(`/api/timeslots/${slotIdAt(5)}/book`, { customer: { name: 'Al', phone: '0000000' } }),
    );
    expect((await r.owner('POST', `/api/admin/bookings/${other.booking.reference}/cancel`, {})).statusCode).toBe(200);
    expect((await b.post(`/api/timeslots/${slotIdAt(5)}/reserve`)).statusCode).toBe(200);
  });

  it('is off with HOLD_COOLDOWN_SECONDS=0', async () => {
    r = await appRig({ engine: { holdCooldownSeconds: 0 } });
    const a = r.client();
    for (let i = 0; i < 3; i += 1) {
      expect((await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`)).statusCode).toBe(200);
      expect((await a.post(`/api/timeslots/${slotIdAt(2)}/cancel`)).statusCode).toBe(200);
    }
  });
});

describe('the cool-down across a restart', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  it('still refuses after the engine is rebuilt from the log, and lifts on time', async () => {
    rig = await sqliteRig();
    const { slot } = await rig.engine.open(anna(4), OWNER);
    const id = slot.slot?.slotId ?? '';
    await rig.engine.reserve(id, 'alice', { network: 'net-a' });
    await rig.engine.cancelHold(id, 'alice');
    await rig.restart(MINUTE);
    await expect(rig.engine.reserve(id, 'alice')).rejects.toMatchObject({
      code: 'hold_cooldown',
      retryAfterMs: 2 * MINUTE,
    });
    await expect(rig.engine.reserve(id, 'bob', { network: 'net-a' })).rejects.toMatchObject({ code: 'hold_cooldown' });
    await rig.restart(2 * MINUTE);
    await expect(rig.engine.reserve(id, 'alice', { network: 'net-a' })).resolves.toMatchObject({ events: [{}] });
  });
});

describe('the cool-down across two app processes on one log', () => {
  let servers: ServerProcess[] = [];
  const dir = tempDir('holdfast-cooldown-');
  beforeAll(assertBuilt);
  afterEach(async () => {
    for (const server of servers) await stopServer(server);
    servers = [];
  });

  it('refuses at B a hold released at A, with the same session or another from that network, and after B restarts', async () => {
    const env = {
      DATA_DIR: dir.path,
      DEMO: '1',
      RATE_LIMIT_PER_MINUTE: '0',
      HOLD_COOLDOWN_SECONDS: '600',
      HOLD_PRESSURE_PERCENT: '0',
    };
    servers = await Promise.all([startServer(env), startServer(env)]);
    const [a, b] = servers as [ServerProcess, ServerProcess];
    const alice = callerFrom('127.0.0.21');
    const other = callerFrom('127.0.0.22');
    try {
      const free = (await alice.call('GET', `${a.base}/api/timeslots`)).body as unknown as Array<{ id: string }>;
      const slot = free[0]?.id ?? '';
      expect((await alice.call('POST', `${a.base}/api/timeslots/${slot}/reserve`)).status).toBe(200);
      expect((await alice.call('POST', `${a.base}/api/timeslots/${slot}/cancel`)).status).toBe(200);

      const atB = await alice.call('POST', `${b.base}/api/timeslots/${slot}/reserve`);
      expect([atB.status, atB.body.error]).toEqual([429, 'hold_cooldown']);
      expect(Number(atB.headers.get('retry-after'))).toBeGreaterThan(590);
      const fresh = callerFrom('127.0.0.21'); // no cookie: a new session, same address
      expect((await fresh.call('POST', `${b.base}/api/timeslots/${slot}/reserve`)).body.error).toBe('hold_cooldown');
      await fresh.close();

      // B is killed and comes back: it folds the same facts from the log.
      await stopServer(b);
      servers[1] = await startServer({ ...env, PORT: new URL(b.base).port });
      const restarted = servers[1] as ServerProcess;
      const afterRestart = await alice.call('POST', `${restarted.base}/api/timeslots/${slot}/reserve`);
      expect([afterRestart.status, afterRestart.body.error]).toEqual([429, 'hold_cooldown']);
      // Someone on another network takes it at once, at either process.
      expect((await other.call('POST', `${restarted.base}/api/timeslots/${slot}/reserve`)).status).toBe(200);
    } finally {
      await alice.close();
      await other.close();
      dir.remove();
    }
  }, 60_000);
});
