import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLog, describeViolations } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { type AppRig, appRig } from '../support/app-harness.js';
import { anna, HOUR, MINUTE, T0, until } from '../support/fixtures.js';
import { seededRandom } from '../support/random.js';
import { browser } from '../support/server-process.js';
import { connectLive, type LiveClient } from '../support/ws-client.js';

// Races over the wire: the real Fastify app listening on a socket, hundreds of distinct
// sessions (each its own cookie) arriving at once, and a WebSocket observer watching.
// Whatever the interleaving: one chair, one client.

const SESSIONS = 500;
let rig: AppRig;
afterEach(() => rig.dispose());

const serve = async (slots = [anna(4)]) => {
  rig = await appRig({ slots, settings: { rateLimitPerMinute: 0 } });
  await rig.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = rig.app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
};

/** Every status the observer was shown for each slot, in order of arrival. */
const watch = async (base: string) => {
  const live: LiveClient = await connectLive(`${base.replace('http', 'ws')}/api/live`);
  await live.next((m) => m.type === 'snapshot');
  const seen = () => {
    const bySlot = new Map<string, string[]>();
    for (const m of live.messages) {
      const views = m.type === 'snapshot' ? (m.timeslots ?? []) : m.timeslot ? [m.timeslot] : [];
      for (const view of views) {
        const id = String(view.id);
        bySlot.set(id, [...(bySlot.get(id) ?? []), String(view.status)]);
      }
    }
    return bySlot;
  };
  return { live, seen };
};

const logIsSound = async () =>
  describeViolations(checkLog(await readWholeLog(rig.rig.log), rig.rig.clock.now()).violations);

describe('races over HTTP', () => {
  it(`${SESSIONS} sessions reserve one slot at once: exactly one 200, every other a 409`, async () => {
    const base = await serve();
    const slot = rig.rig.engine.models.availability.slots.keys().next().value ?? '';
    const observer = await watch(base);
    const results = await Promise.all(
      Array.from({ length: SESSIONS }, () => browser(base).call('POST', `/api/timeslots/${slot}/reserve`, {})),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status === 409);
    expect(refused).toHaveLength(SESSIONS - 1);
    expect(new Set(refused.map((r) => r.body.error))).toEqual(new Set(['slot_taken']));
    // The observer was told "unavailable" and never afterwards "available".
    await observer.live.next((m) => m.type === 'slot' && m.timeslot?.id === slot);
    expect(observer.seen().get(slot)).toEqual(['available', 'unavailable']);
    expect((await rig.rig.log.readStream(`timeslot-${slot}`)).map((e) => e.type)).toEqual([
      'TimeslotOpened',
      'TimeslotReserved',
    ]);
    observer.live.close();
  });

  it('random clients across many slots: never two holders, only holders book, the observer agrees', async () => {
    const random = seededRandom();
    const slots = ['Anna', 'Ben', 'Cleo', 'Dev'].flatMap((stylist) =>
      [1, 2, 3, 4, 5].map((h) => ({ stylist, startsAt: T0 + h * HOUR, endsAt: T0 + h * HOUR + 45 * MINUTE })),
    );
    const base = await serve(slots);
    const ids = [...rig.rig.engine.models.availability.slots.keys()];
    const observer = await watch(base);

    // Burst 1: 300 sessions each grab a random slot.
    const clients = Array.from({ length: 300 }, () => ({ client: browser(base), slot: random.pick(ids) ?? '' }));
    const reserved = await Promise.all(
      clients.map(({ client, slot }) => client.call('POST', `/api/timeslots/${slot}/reserve`, {})),
    );
    const holders = new Map<string, (typeof clients)[number]>();
    reserved.forEach((r, i) => {
      const c = clients[i] as (typeof clients)[number];
      if (r.status === 200) {
        expect(holders.has(c.slot), `two holders of ${c.slot}`).toBe(false);
        holders.set(c.slot, c);
      } else expect(r).toMatchObject({ status: 409, body: { error: 'slot_taken' } });
    });
    const targeted = new Set(clients.map((c) => c.slot));
    expect(holders.size).toBe(targeted.size); // every slot anyone asked for went to exactly one

    // Burst 2: everyone tries to book the slot they asked for; only its holder can.
    const booked = await Promise.all(
      clients.map(({ client, slot }) =>
        client.call('POST', `/api/timeslots/${slot}/book`, { customer: { name: 'Racer', phone: '07700 900123' } }),
      ),
    );
    booked.forEach((r, i) => {
      const c = clients[i] as (typeof clients)[number];
      if (holders.get(c.slot) === c) expect(r.status).toBe(200);
      // Held by another, or already booked by its holder: either way, not yours.
      else
        expect([r.status, r.body.error]).toSatisfy(
          ([status, error]) => status === 400 && ['not_your_hold', 'no_hold'].includes(error),
        );
    });

    // The observer never saw a held or booked slot offered as available again, and ends
    // where the server is.
    await rig.rig.engine.whenIdle();
    const final = (await browser(base).call('GET', '/api/timeslots?include=all&from=2026-12-05T00:00:00Z'))
      .body as unknown as Array<{
      id: string;
      status: string;
    }>;
    const finalOf = (slot: string) => final.find((s) => s.id === slot)?.status;
    await until(() => ids.every((slot) => observer.seen().get(slot)?.at(-1) === finalOf(slot)));
    const seen = observer.seen();
    for (const slot of ids) {
      const statuses = seen.get(slot) ?? [];
      const firstTaken = statuses.indexOf('unavailable');
      if (firstTaken >= 0) expect(statuses.slice(firstTaken), slot).not.toContain('available');
    }
    expect(await logIsSound()).toEqual([]);
    observer.live.close();
  });
});
