import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppRig, appRig, OWNER_TOKEN, slotIdAt } from '../support/app-harness.js';
import { HOUR, MINUTE, T0 } from '../support/fixtures.js';

// The owner API: bearer auth, opening slots (list or weekly template, all or nothing),
// the day's book, close/reopen, cancelling bookings, and the audit trail.

let r: AppRig;
beforeEach(async () => {
  r = await appRig();
});
afterEach(async () => {
  await r.dispose();
});

const json = (response: { body: string }) => JSON.parse(response.body);
const customer = { name: 'Zoë', phone: '07700 900123' };
const slotCount = () => r.rig.engine.models.availability.slots.size;

describe('owner authentication', () => {
  it.each([
    ['no header', {}],
    ['a wrong token', { authorization: 'Bearer wrong' }],
    ['the token without Bearer', { authorization: OWNER_TOKEN }],
    ['a token with a suffix', { authorization: `Bearer ${OWNER_TOKEN}x` }],
  ])('refuses %s with 401 unauthorized', async (_what, headers) => {
    const res = await r.app.inject({ method: 'GET', url: '/api/admin/holds', headers });
    expect([res.statusCode, json(res).error]).toEqual([401, 'unauthorized']);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('does not let a client session stand in for the owner', async () => {
    const c = r.client();
    await c.get('/api/timeslots');
    expect((await c.request('GET', '/api/admin/holds')).statusCode).toBe(401);
  });
});

describe('POST /api/admin/timeslots', () => {
  const ben = (h: number) => ({
    stylist: 'Ben',
    start_time: new Date(T0 + h * HOUR).toISOString(),
    end_time: new Date(T0 + (h + 1) * HOUR).toISOString(),
  });

  it('opens a list of slots (201 with ids) and repeating it opens nothing new', async () => {
    const res = await r.owner('POST', '/api/admin/timeslots', { timeslots: [ben(2), ben(3)] });
    expect(res.statusCode).toBe(201);
    expect(json(res)).toEqual({
      opened: 2,
      existing: 0,
      timeslots: [
        {
          id: 'ben-20261205T1000Z',
          stylist: 'Ben',
          start_time: ben(2).start_time,
          end_time: ben(2).end_time,
          opened: true,
        },
        {
          id: 'ben-20261205T1100Z',
          stylist: 'Ben',
          start_time: ben(3).start_time,
          end_time: ben(3).end_time,
          opened: true,
        },
      ],
    });
    const again = await r.owner('POST', '/api/admin/timeslots', { timeslots: [ben(2), ben(3)] });
    expect([again.statusCode, json(again).opened, json(again).existing]).toEqual([201, 0, 2]);
  });

  it('accepts times with an offset', async () => {
    const res = await r.owner('POST', '/api/admin/timeslots', {
      timeslots: [{ stylist: 'Ben', start_time: '2026-12-05T11:00:00+01:00', end_time: '2026-12-05T12:00:00+01:00' }],
    });
    expect(json(res).timeslots[0].id).toBe('ben-20261205T1000Z');
  });

  it('opens nothing when any slot is refused, and says which and why', async () => {
    const before = slotCount();
    const overlapping = {
      stylist: 'Anna',
      start_time: new Date(T0 + 2.5 * HOUR).toISOString(),
      end_time: ben(3).end_time,
    };
    const res = await r.owner('POST', '/api/admin/timeslots', { timeslots: [ben(2), overlapping, ben(4)] });
    expect(res.statusCode).toBe(409);
    expect(json(res)).toMatchObject({ error: 'slot_overlaps', errors: [{ index: 1, error: 'slot_overlaps' }] });
    expect(slotCount()).toBe(before);
  });

  it.each([
    [
      'an unparseable time',
      { stylist: 'Ben', start_time: 'tomorrow', end_time: '2026-12-06T10:00:00Z' },
      400,
      'invalid_slot',
    ],
    [
      'end before start',
      { stylist: 'Ben', start_time: '2026-12-06T10:00:00Z', end_time: '2026-12-06T09:00:00Z' },
      400,
      'invalid_slot',
    ],
    [
      'a past slot',
      { stylist: 'Ben', start_time: '2026-12-04T10:00:00Z', end_time: '2026-12-04T11:00:00Z' },
      409,
      'slot_in_past',
    ],
    [
      'a stylist with no letters',
      { stylist: '!!!', start_time: '2026-12-06T10:00:00Z', end_time: '2026-12-06T11:00:00Z' },
      400,
      'invalid_slot',
    ],
    [
      'a 13-hour slot',
      { stylist: 'Ben', start_time: '2026-12-06T06:00:00Z', end_time: '2026-12-06T19:00:00Z' },
      400,
      'invalid_slot',
    ],
    [
      'seconds in a time',
      { stylist: 'Ben', start_time: '2026-12-06T10:00:30Z', end_time: '2026-12-06T11:00:00Z' },
      400,
      'invalid_slot',
    ],
  ])('refuses %s (%i %s) and opens nothing', async (_what, bad, status, code) => {
    const before = slotCount();
    const res = await r.owner('POST', '/api/admin/timeslots', { timeslots: [ben(5), bad] });
    expect([res.statusCode, json(res).error]).toEqual([status, code]);
    expect(json(res).errors[0].index).toBe(1);
    expect(slotCount()).toBe(before);
  });

  it.each([
    ['neither list nor template', {}],
    [
      'both',
      {
        timeslots: [ben(2)],
        template: { hours: {}, slot_minutes: 60, stylists: ['Ben'], from: '2026-12-06', to: '2026-12-06' },
      },
    ],
    ['an empty list', { timeslots: [] }],
    ['a missing stylist', { timeslots: [{ start_time: ben(2).start_time, end_time: ben(2).end_time }] }],
  ])('refuses %s with 400 invalid_request', async (_what, body) => {
    const res = await r.owner('POST', '/api/admin/timeslots', body);
    expect([res.statusCode, json(res).error]).toEqual([400, 'invalid_request']);
  });

  it('expands a weekly template in the salon’s zone, keeping 09:00 at 09:00 across the clock change', async () => {
    const res = await r.owner('POST', '/api/admin/timeslots', {
      template: {
        hours: { sat: ['09:00-10:00'], mon: ['09:00-10:00'] },
        slot_minutes: 30,
        stylists: ['Ben'],
        from: '2027-03-27', // Saturday, GMT
        to: '2027-03-29', // Monday, BST (clocks went forward on Sunday the 28th)
      },
    });
    expect(res.statusCode).toBe(201);
    expect(json(res).timeslots.map((s: { start_time: string }) => s.start_time)).toEqual([
      '2027-03-27T09:00:00.000Z',
      '2027-03-27T09:30:00.000Z',
      '2027-03-29T08:00:00.000Z',
      '2027-03-29T08:30:00.000Z',
    ]);
  });

  it.each([
    ['a bad hours string', { hours: { sat: ['9-5'] } }, 'invalid_request'],
    ['to before from', { from: '2027-01-10', to: '2027-01-01' }, 'invalid_template'],
    ['a range over a year', { from: '2027-01-01', to: '2028-06-01' }, 'invalid_template'],
    ['hours that fit no slot', { hours: { sat: ['09:00-09:20'] } }, 'invalid_template'],
    ['an impossible date', { from: '2027-02-30', to: '2027-03-01' }, 'invalid_template'],
  ])('refuses a template with %s (400 %s)', async (_what, change, code) => {
    const template = {
      hours: { sat: ['09:00-17:00'] },
      slot_minutes: 60,
      stylists: ['Ben'],
      from: '2027-01-01',
      to: '2027-01-31',
      ...change,
    };
    const res = await r.owner('POST', '/api/admin/timeslots', { template });
    expect([res.statusCode, json(res).error]).toEqual([400, code]);
  });
});

describe('the owner’s book', () => {
  it('lists every slot with holds and bookings in full, and live holds soonest first', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer });
    r.rig.clock.increment(MINUTE);
    await r.client().post(`/api/timeslots/${slotIdAt(4)}/reserve`);

    const slots = json(await r.owner('GET', '/api/admin/timeslots?date=2026-12-05'));
    expect(slots).toHaveLength(5);
    expect(slots[0]).toMatchObject({
      id: slotIdAt(2),
      status: 'booked',
      hold: null,
      booking: { customer: { name: 'Zoë', phone: '07700 900123' } },
    });
    expect(slots[2]).toMatchObject({
      status: 'reserved',
      hold: { expires_at: new Date(T0 + 4 * MINUTE).toISOString(), seconds_left: 180 },
    });
    const holds = json(await r.owner('GET', '/api/admin/holds')).holds;
    expect(holds.map((s: { id: string }) => s.id)).toEqual([slotIdAt(4)]);

    const bookings = json(await r.owner('GET', '/api/admin/bookings?date=2026-12-05')).bookings;
    expect(bookings).toHaveLength(1);
    expect(bookings[0]).toMatchObject({ slot_id: slotIdAt(2), status: 'confirmed', customer: { name: 'Zoë' } });
    expect(bookings[0].manage_token).toBeUndefined();
    expect(json(await r.owner('GET', '/api/admin/bookings?date=2026-12-06')).bookings).toEqual([]);
    expect(json(await r.owner('GET', '/api/admin/bookings?status=cancelled')).bookings).toEqual([]);
  });

  it('closes a slot (ending a live hold), refuses to close a booked one, and reopens', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(3)}/reserve`);
    const closed = await r.owner('POST', `/api/admin/timeslots/${slotIdAt(3)}/close`, { reason: 'stylist ill' });
    expect([closed.statusCode, json(closed).timeslot.status]).toEqual([200, 'closed']);
    const book = await a.post(`/api/timeslots/${slotIdAt(3)}/book`, { customer });
    expect(book.statusCode).toBe(400);
    expect(json(await r.client().get('/api/timeslots')).map((s: { id: string }) => s.id)).not.toContain(slotIdAt(3));

    const reopened = await r.owner('POST', `/api/admin/timeslots/${slotIdAt(3)}/reopen`);
    expect([reopened.statusCode, json(reopened).timeslot.status]).toEqual([200, 'available']);
    const notClosed = await r.owner('POST', `/api/admin/timeslots/${slotIdAt(4)}/reopen`);
    expect(notClosed.statusCode).toBe(200); // already open: nothing to do

    await a.post(`/api/timeslots/${slotIdAt(5)}/reserve`);
    await a.post(`/api/timeslots/${slotIdAt(5)}/book`, { customer });
    const booked = await r.owner('POST', `/api/admin/timeslots/${slotIdAt(5)}/close`);
    expect([booked.statusCode, json(booked).error]).toEqual([409, 'slot_booked']);
    const unknown = await r.owner('POST', '/api/admin/timeslots/anna-20261205T0300Z/close');
    expect([unknown.statusCode, json(unknown).error]).toEqual([404, 'slot_not_found']);
  });

  it('cancels any booking at any time (no client cut-off) with a reason, freeing the slot', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    const { reference } = json(await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer })).booking;
    const res = await r.owner('POST', `/api/admin/bookings/${reference}/cancel`, { reason: 'salon closed' });
    expect([res.statusCode, json(res).booking.status]).toEqual([200, 'cancelled']);
    expect(json(await r.client().get('/api/timeslots')).map((s: { id: string }) => s.id)).toContain(slotIdAt(2));
    const missing = await r.owner('POST', '/api/admin/bookings/HF-0000-0000/cancel');
    expect([missing.statusCode, json(missing).error]).toEqual([404, 'booking_not_found']);
  });
});

describe('GET /api/admin/stats', () => {
  it('counts slots by status and how holds ended, per day', async () => {
    const a = r.client();
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer }); // booked
    await a.post(`/api/timeslots/${slotIdAt(3)}/reserve`);
    await a.post(`/api/timeslots/${slotIdAt(3)}/cancel`); // released
    await a.post(`/api/timeslots/${slotIdAt(4)}/reserve`);
    await r.rig.advance(180_000); // expired
    await r.owner('POST', `/api/admin/timeslots/${slotIdAt(6)}/close`);
    const stats = json(await r.owner('GET', '/api/admin/stats?date=2026-12-05'));
    expect(stats).toMatchObject({
      slots: 5,
      status: { available: 3, reserved: 0, booked: 1, closed: 1 },
      holds: { booked: 1, cancelled: 1, expired: 1 },
      stylists: [{ stylist: 'Anna', slots: 5, booked: 1 }],
    });
    const otherDay = json(await r.owner('GET', '/api/admin/stats?date=2026-12-06'));
    expect(otherDay).toMatchObject({ slots: 0, holds: { booked: 0, cancelled: 0, expired: 0 } });
    // Default: today in the salon's zone (T0 is 2026-12-05 08:00 UTC).
    expect(json(await r.owner('GET', '/api/admin/stats')).slots).toBe(5);
  });
});

describe('audit and replay', () => {
  it('gives every event of a slot with type, time, who and data', async () => {
    const a = r.client();
    await a.request('POST', `/api/timeslots/${slotIdAt(2)}/reserve`, undefined, { 'x-request-id': 'req-reserve-1' });
    r.rig.clock.increment(MINUTE);
    await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer });
    const res = await r.owner('GET', `/api/admin/timeslots/${slotIdAt(2)}/history`);
    expect(res.statusCode).toBe(200);
    const { events } = json(res);
    expect(events.map((e: { type: string }) => e.type)).toEqual([
      'TimeslotOpened',
      'TimeslotReserved',
      'TimeslotBooked',
    ]);
    expect(events[0].who).toEqual({ kind: 'owner' });
    expect(events[1]).toMatchObject({
      revision: 1,
      at: new Date(T0).toISOString(),
      who: { kind: 'client' },
      request_id: 'req-reserve-1',
      data: { expiresAt: new Date(T0 + 3 * MINUTE).toISOString() },
    });
    expect(events[2].at).toBe(new Date(T0 + MINUTE).toISOString());
    expect(events[2].data.customer.name).toBe('Zoë');
    const unknown = await r.owner('GET', '/api/admin/timeslots/anna-20261205T0300Z/history');
    expect(unknown.statusCode).toBe(404);
  });

  it('rebuilds the slot as it was at any instant', async () => {
    const a = r.client();
    r.rig.clock.increment(MINUTE);
    await a.post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    r.rig.clock.increment(MINUTE);
    await a.post(`/api/timeslots/${slotIdAt(2)}/book`, { customer });
    const at = async (iso: string) => json(await r.owner('GET', `/api/admin/timeslots/${slotIdAt(2)}/state?at=${iso}`));

    expect((await at('2026-12-05T07:00:00Z')).timeslot).toBeNull(); // before it was opened
    expect((await at('2026-12-05T08:00:30Z')).timeslot).toMatchObject({ status: 'available', hold: null });
    expect((await at('2026-12-05T08:01:30Z')).timeslot).toMatchObject({
      status: 'reserved',
      hold: { expires_at: '2026-12-05T08:04:00.000Z', seconds_left: 150 },
    });
    const later = await at('2026-12-05T09:00:00%2B01:00');
    expect(later).toMatchObject({ at: '2026-12-05T08:00:00.000Z' });
    expect((await at('2026-12-05T08:30:00Z')).timeslot).toMatchObject({ status: 'booked' });
  });

  it.each([['now'], ['2026-12-05'.repeat(5)], ['2026-12-05T08:00:00']])(
    'refuses state?at=%s with 400',
    async (value) => {
      const res = await r.owner('GET', `/api/admin/timeslots/${slotIdAt(2)}/state?at=${value}`);
      expect(res.statusCode).toBe(400);
      expect(['invalid_range', 'invalid_request']).toContain(json(res).error);
    },
  );
});
