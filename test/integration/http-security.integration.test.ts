import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppRig, appRig, OWNER_TOKEN, slotIdAt } from '../support/app-harness.js';
import { connectLive } from '../support/ws-client.js';

// Who may do and see what, route by route. (Hold caps and rate limits, with Retry-After,
// are in http-protection and http-timeslots; generated hostile input in the property tier.)

const CUSTOMER = { name: 'Ada Lovelace-Private', phone: '+44 7700 900321', email: 'ada@private.example' };
const json = (res: { body: string }) => JSON.parse(res.body);

let r: AppRig;
let reference: string;
let manageToken: string;
let alice: ReturnType<AppRig['client']>;
beforeEach(async () => {
  r = await appRig();
  alice = r.client();
  await alice.post(`/api/timeslots/${slotIdAt(2)}/reserve`); // a live hold
  await alice.post(`/api/timeslots/${slotIdAt(3)}/reserve`);
  const booked = json(await alice.post(`/api/timeslots/${slotIdAt(3)}/book`, { customer: CUSTOMER }));
  reference = booked.booking.reference;
  manageToken = booked.booking.manage_token;
});
afterEach(() => r.dispose());

const containsCustomer = (text: string) =>
  [CUSTOMER.name, CUSTOMER.phone, CUSTOMER.email].some((s) => text.includes(s));

describe('security', () => {
  it("a session cannot book or release another session's hold", async () => {
    const mallory = r.client();
    const book = await mallory.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer: { name: 'M', phone: '1' } });
    const release = await mallory.post(`/api/timeslots/${slotIdAt(2)}/cancel`);
    expect([book.statusCode, json(book).error]).toEqual([400, 'not_your_hold']);
    expect([release.statusCode, json(release).error]).toEqual([400, 'not_your_hold']);
    expect(r.rig.engine.models.availability.slots.get(slotIdAt(2))?.hold?.clientId).toBeDefined();
    const mine = json(await alice.get('/api/timeslots')) as Array<{ id: string; yours?: boolean }>;
    expect(mine.filter((s) => s.yours).map((s) => s.id)).toEqual([slotIdAt(2), slotIdAt(3)]);
  });

  it('another session cannot read, export or cancel a booking without its token; with it, it can', async () => {
    const mallory = r.client();
    for (const [method, path] of [
      ['GET', `/api/bookings/${reference}`],
      ['GET', `/api/bookings/${reference}/calendar.ics`],
      ['POST', `/api/bookings/${reference}/cancel`],
      // One character changed (to one it is not: a token ending in "x" once made this the real one).
      ['GET', `/api/bookings/${reference}?token=${manageToken.slice(0, -1)}${manageToken.endsWith('x') ? 'y' : 'x'}`],
    ] as const) {
      const res = await mallory.request(method, path);
      expect([res.statusCode, json(res).error], `${method} ${path}`).toEqual([404, 'booking_not_found']);
      expect(containsCustomer(res.body)).toBe(false);
    }
    expect(r.rig.engine.models.bookings.byId.get(reference)?.status).toBe('confirmed');
    expect((await mallory.get(`/api/bookings/${reference}?token=${manageToken}`)).statusCode).toBe(200);
  });

  it('every owner route refuses without the token and with a wrong one', async () => {
    const routes: Array<[string, string]> = [
      ['GET', '/api/admin/timeslots'],
      ['POST', '/api/admin/timeslots'],
      ['POST', `/api/admin/timeslots/${slotIdAt(4)}/close`],
      ['POST', `/api/admin/timeslots/${slotIdAt(4)}/reopen`],
      ['GET', `/api/admin/timeslots/${slotIdAt(3)}/history`],
      ['GET', `/api/admin/timeslots/${slotIdAt(3)}/state?at=2026-12-05T08:00:00Z`],
      ['GET', '/api/admin/bookings'],
      ['POST', `/api/admin/bookings/${reference}/cancel`],
      ['GET', '/api/admin/holds'],
      ['GET', '/api/admin/stats'],
      ['GET', '/api/admin/services'],
      ['POST', '/api/admin/services'],
      ['PATCH', '/api/admin/services/cut'],
      ['POST', '/api/admin/services/cut/retire'],
    ];
    const position = r.rig.engine.models.position;
    for (const [method, url] of routes) {
      for (const authorization of [
        undefined,
        `Bearer ${OWNER_TOKEN}x`,
        `Bearer ${OWNER_TOKEN.toUpperCase()}`,
        OWNER_TOKEN,
      ]) {
        const res = await r.app.inject({
          method: method as 'GET',
          url,
          remoteAddress: `198.51.100.${routes.findIndex(([m, u]) => m === method && u === url) + 1}`,
          headers: authorization === undefined ? {} : { authorization },
          ...(method === 'POST' && { payload: {} }),
        });
        expect([res.statusCode, json(res).error], `${method} ${url} with ${authorization}`).toEqual([
          401,
          'unauthorized',
        ]);
        expect(containsCustomer(res.body)).toBe(false);
      }
    }
    expect(r.rig.engine.models.position).toBe(position);
    await r.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `ws://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    const owner = await connectLive(`${base}/api/admin/live`, { authorization: `Bearer ${OWNER_TOKEN}x` });
    expect((await owner.closed).code).toBe(4001);
    expect(owner.messages.some((m) => m.type === 'snapshot')).toBe(false);
  });

  it('customer details appear only on owner routes and to the client who booked', async () => {
    const other = r.client();
    for (const path of ['/api/timeslots?include=all', '/api/salon', `/api/timeslots?date=2026-12-05&include=all`]) {
      expect(containsCustomer((await other.get(path)).body), path).toBe(false);
    }
    await r.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `ws://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    const watcher = await connectLive(`${base}/api/live`);
    const snapshot = await watcher.next((m) => m.type === 'snapshot');
    expect(containsCustomer(JSON.stringify(snapshot))).toBe(false);
    watcher.close();

    expect(containsCustomer((await alice.get(`/api/bookings/${reference}`)).body)).toBe(true);
    expect(containsCustomer((await r.owner('GET', '/api/admin/bookings')).body)).toBe(true);
    expect(containsCustomer((await r.owner('GET', `/api/admin/timeslots/${slotIdAt(3)}/history`)).body)).toBe(true);
  });
});
