import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppRig, appRig, type Client, slotIdAt } from '../support/app-harness.js';
import { anna, HOUR } from '../support/fixtures.js';

// A client's own booking: from the session that booked it, or anywhere with the manage
// token; cancellable until CANCEL_CUTOFF_HOURS before; a calendar invite.

let r: AppRig;
beforeEach(async () => {
  // Slots 2 h (inside the 24 h cut-off) and 48 h (outside it) after T0.
  r = await appRig({ slots: [anna(2), anna(48)] });
});
afterEach(async () => {
  await r.dispose();
});

const json = (response: { body: string }) => JSON.parse(response.body);

const book = async (hours: number): Promise<{ client: Client; reference: string; token: string }> => {
  const client = r.client();
  await client.post(`/api/timeslots/${slotIdAt(hours)}/reserve`);
  const res = await client.post(`/api/timeslots/${slotIdAt(hours)}/book`, {
    customer: { name: 'Zoë', email: 'Zoe@Example.com' },
  });
  expect(res.statusCode).toBe(200);
  const { reference, manage_token: token } = json(res).booking;
  return { client, reference, token };
};

describe('GET /api/bookings/:ref', () => {
  it('shows the booking to the session that made it and to anyone with the token', async () => {
    const { client, reference, token } = await book(48);
    const own = await client.get(`/api/bookings/${reference}`);
    expect(own.statusCode).toBe(200);
    expect(json(own).booking).toMatchObject({
      reference,
      status: 'confirmed',
      customer: { name: 'Zoë', email: 'zoe@example.com' },
      cancellable_until: new Date(anna(48).startsAt - 24 * HOUR).toISOString(),
      manage_token: token,
    });
    const elsewhere = await r.client().get(`/api/bookings/${reference.toLowerCase()}?token=${token}`);
    expect(json(elsewhere).booking.reference).toBe(reference);
  });

  it('answers the same 404 for an unknown reference and for a wrong or missing token', async () => {
    const { reference, token } = await book(48);
    const stranger = r.client();
    for (const url of [
      `/api/bookings/HF-0000-0000?token=${token}`,
      `/api/bookings/${reference}`,
      `/api/bookings/${reference}?token=${'A'.repeat(32)}`,
      `/api/bookings/${reference}?token=${token.slice(0, 31)}`,
      `/api/bookings/${reference}?token=${encodeURIComponent('é'.repeat(16))}`,
    ]) {
      const res = await stranger.get(url);
      expect([res.statusCode, json(res).error]).toEqual([404, 'booking_not_found']);
    }
  });
});

describe('POST /api/bookings/:ref/cancel', () => {
  it('cancels with the token before the cut-off, frees the slot, and is idempotent', async () => {
    const { reference, token } = await book(48);
    const other = r.client();
    const res = await other.post(`/api/bookings/${reference}/cancel`, { token });
    expect(res.statusCode).toBe(200);
    expect(json(res).booking).toMatchObject({ reference, status: 'cancelled' });
    expect(json(res).booking.cancelled_at).toBeDefined();
    const again = await other.post(`/api/bookings/${reference}/cancel?token=${token}`);
    expect([again.statusCode, json(again).booking.status]).toEqual([200, 'cancelled']);
    const slots = json(await r.client().get('/api/timeslots')).map((s: { id: string }) => s.id);
    expect(slots).toContain(slotIdAt(48));
    const history = json(await r.owner('GET', `/api/admin/timeslots/${slotIdAt(48)}/history`)).events;
    expect(history.filter((e: { type: string }) => e.type === 'BookingCancelled')).toHaveLength(1);
  });

  it('refuses after the cut-off with 409 cancel_cutoff_passed (and a move with reschedule_cutoff_passed), and the booking stands', async () => {
    const { client, reference } = await book(2);
    const res = await client.post(`/api/bookings/${reference}/cancel`);
    expect([res.statusCode, json(res).error]).toEqual([409, 'cancel_cutoff_passed']);
    const move = await client.post(`/api/bookings/${reference}/reschedule`, { slot_id: slotIdAt(48) });
    expect([move.statusCode, json(move).error]).toEqual([409, 'reschedule_cutoff_passed']);
    expect(json(await client.get(`/api/bookings/${reference}`)).booking).toMatchObject({
      status: 'confirmed',
      slot_id: slotIdAt(2),
    });
  });

  it('refuses without the token or session (404), changing nothing', async () => {
    const { reference } = await book(48);
    const res = await r.client().post(`/api/bookings/${reference}/cancel`, { token: 'guess' });
    expect([res.statusCode, json(res).error]).toEqual([404, 'booking_not_found']);
    expect(r.rig.engine.models.bookings.byId.get(reference)?.status).toBe('confirmed');
  });
});

describe('GET /api/bookings/:ref/calendar.ics', () => {
  it('is a calendar invite for the appointment, marked cancelled once cancelled', async () => {
    const { client, reference, token } = await book(48);
    const res = await client.get(`/api/bookings/${reference}/calendar.ics?token=${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    expect(res.body).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(res.body).toContain(`UID:${reference}@holdfast`);
    expect(res.body).toContain('DTSTART:20261207T080000Z');
    expect(res.body).toContain('DTEND:20261207T090000Z');
    expect(res.body).toContain('STATUS:CONFIRMED');
    expect(res.body).not.toContain('zoe@example.com'); // the invite carries no contact details
    await client.post(`/api/bookings/${reference}/cancel`);
    expect((await client.get(`/api/bookings/${reference}/calendar.ics`)).body).toContain('STATUS:CANCELLED');
    expect((await r.client().get(`/api/bookings/${reference}/calendar.ics`)).statusCode).toBe(404);
  });
});
