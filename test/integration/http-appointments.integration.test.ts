import { afterEach, describe, expect, it } from 'vitest';
import { checkLog, describeViolations } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { type AppRig, appRig } from '../support/app-harness.js';
import { HOUR, MINUTE, T0 } from '../support/fixtures.js';

// Services of any length over HTTP: where a service can start, holding its whole run with
// `{service}`, booking and releasing it from any of its slots, and the owner's view of it.

const json = (response: { body: string }) => JSON.parse(response.body);
const Q = 15 * MINUTE;
const START = T0 + 4 * HOUR;
/** Anna: 15-minute slots 0–3 and 5 (a gap at 4). Ben: one 60-minute slot. */
const slots = [
  ...[0, 1, 2, 3, 5].map((n) => ({ stylist: 'Anna', startsAt: START + n * Q, endsAt: START + (n + 1) * Q })),
  { stylist: 'Ben', startsAt: START, endsAt: START + HOUR },
];
const customer = { name: 'Ada Lovelace', phone: '+44 7700 900123' };

let r: AppRig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

const withMenu = async () => {
  // No cut-off: these slots are a few hours away, and moving a booking must be allowed.
  r = await appRig({ slots, settings: { cancelCutoffHours: 0 } });
  await r.owner('POST', '/api/admin/services', { name: 'Cut & blow-dry', duration_minutes: 45 });
  await r.owner('POST', '/api/admin/services', { name: 'Colour', duration_minutes: 90, stylists: ['Anna'] });
  await r.owner('POST', '/api/admin/services', { name: 'Beard trim', duration_minutes: 15 });
  const idsOf = async (stylist: string): Promise<string[]> =>
    json(await (r as AppRig).client().get(`/api/timeslots?stylist=${stylist}`)).map((s: { id: string }) => s.id);
  return { rig: r, anna: await idsOf('Anna'), ben: (await idsOf('Ben'))[0] as string };
};

describe('appointments over HTTP', () => {
  it('lists where a service can start, with the slots it covers', async () => {
    const { rig, anna, ben } = await withMenu();
    const options = json(await rig.client().get('/api/timeslots?service=cut-blow-dry'));
    // Anna 0–2 and 1–3 fit 45 minutes; 2 would run into the gap; Ben's hour covers it (overshoot).
    expect(options.map((o: { id: string }) => o.id).sort()).toEqual([anna[0], anna[1], ben].sort());
    expect(options.find((o: { id: string }) => o.id === anna[1])).toEqual({
      id: anna[1],
      start_time: new Date(START + Q).toISOString(),
      end_time: new Date(START + 4 * Q).toISOString(),
      stylist: 'Anna',
      status: 'available',
      slot_ids: anna.slice(1, 4),
    });
    expect(json(await rig.client().get('/api/timeslots?service=colour'))).toEqual([]);
    const unknown = await rig.client().get('/api/timeslots?service=perm');
    expect([unknown.statusCode, json(unknown).error]).toEqual([404, 'service_not_found']);
    const from = new Date(START).toISOString();
    const to = new Date(START + 40 * 24 * HOUR).toISOString();
    const months = await rig.client().get(`/api/timeslots?service=cut-blow-dry&from=${from}&to=${to}`);
    expect([months.statusCode, json(months).error]).toEqual([400, 'invalid_range']);
  });

  it('holds the whole run, books it from its last slot, and the owner sees one appointment', async () => {
    const { rig, anna } = await withMenu();
    const client = rig.client();
    const held = await client.post(`/api/timeslots/${anna[0]}/reserve`, { service: 'cut-blow-dry' });
    expect(held.statusCode).toBe(200);
    const hold = json(held).hold;
    expect(hold).toMatchObject({
      service: 'cut-blow-dry',
      service_name: 'Cut & blow-dry',
      duration_minutes: 45,
      slot_ids: anna.slice(0, 3),
      start_time: new Date(START).toISOString(),
      end_time: new Date(START + 3 * Q).toISOString(),
    });
    expect(json(held).expires_at).toBe(hold.expires_at);
    // Another client sees those starts gone, and cannot take a slot inside the run.
    const other = rig.client({ ip: '198.51.100.7' });
    const left = json(await other.get('/api/timeslots?service=beard-trim&stylist=Anna'));
    expect(left.map((o: { id: string }) => o.id)).toEqual([anna[3], anna[4]]);
    const clash = await other.post(`/api/timeslots/${anna[1]}/reserve`, { service: 'cut-blow-dry' });
    expect([clash.statusCode, json(clash).error]).toEqual([409, 'slot_taken']);

    const booked = await client.post(`/api/timeslots/${anna[2]}/book`, { customer });
    expect(booked.statusCode).toBe(200);
    const booking = json(booked).booking;
    expect(booking).toMatchObject({
      slot_id: anna[0],
      slot_ids: anna.slice(0, 3),
      service: 'cut-blow-dry',
      start_time: new Date(START).toISOString(),
      end_time: new Date(START + 3 * Q).toISOString(),
    });
    const board = json(await rig.owner('GET', '/api/admin/timeslots?include=all'));
    const rows = board.filter((s: { id: string }) => anna.slice(0, 3).includes(s.id));
    expect(rows.map((s: { booking: { reference: string } }) => s.booking.reference)).toEqual(
      Array(3).fill(booking.reference),
    );
    expect(rows[0].booking.slot_ids).toEqual(anna.slice(0, 3));
    const report = checkLog(await readWholeLog(rig.rig.log), rig.rig.clock.now());
    expect(describeViolations(report.violations)).toEqual([]);
  });

  it('shows the hold id on every slot to the owner, and releases all of it from any slot', async () => {
    const { rig, anna } = await withMenu();
    const client = rig.client();
    const hold = json(await client.post(`/api/timeslots/${anna[1]}/reserve`, { service: 'cut-blow-dry' })).hold;
    const board = json(await rig.owner('GET', '/api/admin/timeslots'));
    const ids = board
      .filter((s: { id: string }) => hold.slot_ids.includes(s.id))
      .map((s: { hold: { id: string } }) => s.hold.id);
    expect(ids).toEqual(Array(3).fill(hold.id));
    const released = await client.post(`/api/timeslots/${anna[2]}/cancel`, {});
    expect(released.statusCode).toBe(200);
    const free = json(await client.get('/api/timeslots?stylist=Anna')).map((s: { status: string }) => s.status);
    expect(free).toEqual(Array(5).fill('available'));
  });

  it('refuses a run with a gap, a stylist who does not offer it, an unknown or retired service', async () => {
    const { rig, anna, ben } = await withMenu();
    const client = rig.client();
    const gap = await client.post(`/api/timeslots/${anna[2]}/reserve`, { service: 'cut-blow-dry' });
    expect([gap.statusCode, json(gap).error]).toEqual([409, 'service_does_not_fit']);
    const notBen = await client.post(`/api/timeslots/${ben}/reserve`, { service: 'colour' });
    expect([notBen.statusCode, json(notBen).error]).toEqual([409, 'service_does_not_fit']);
    const unknown = await client.post(`/api/timeslots/${anna[0]}/reserve`, { service: 'perm' });
    expect([unknown.statusCode, json(unknown).error]).toEqual([404, 'service_not_found']);
    await rig.owner('POST', '/api/admin/services/beard-trim/retire');
    const retired = await client.post(`/api/timeslots/${anna[0]}/reserve`, { service: 'beard-trim' });
    expect([retired.statusCode, json(retired).error]).toEqual([409, 'service_retired']);
    const badType = await client.post(`/api/timeslots/${anna[0]}/reserve`, { service: '' });
    expect(badType.statusCode).toBe(400);
    // Nothing was held by any of it.
    const events = (await readWholeLog(rig.rig.log)).filter((e) => e.type === 'TimeslotReserved');
    expect(events).toEqual([]);
  });
});

describe('POST /api/bookings/:ref/reschedule', () => {
  const bookRun = async (rig: AppRig, first: string, service: string) => {
    const client = rig.client();
    await client.post(`/api/timeslots/${first}/reserve`, { service });
    const booked = json(await client.post(`/api/timeslots/${first}/book`, { customer }));
    return { client, reference: booked.booking.reference as string, token: booked.booking.manage_token as string };
  };

  it('moves a booking in one write: new slots booked, old ones freed, same reference, a new SEQUENCE', async () => {
    const { rig, anna, ben } = await withMenu();
    const { client, reference, token } = await bookRun(rig, anna[0] ?? '', 'cut-blow-dry');
    const before = (await readWholeLog(rig.rig.log)).length;
    const ics0 = (await client.get(`/api/bookings/${reference}/calendar.ics`)).body;
    expect(ics0).toMatch(/SEQUENCE:0/);
    // One quarter later, overlapping the old run: slots 1–3.
    const moved = await rig.client().post(`/api/bookings/${reference}/reschedule?token=${token}`, { slot_id: anna[1] });
    expect(moved.statusCode).toBe(200);
    expect(json(moved).booking).toMatchObject({
      reference,
      slot_id: anna[1],
      slot_ids: anna.slice(1, 4),
      start_time: new Date(START + Q).toISOString(),
      end_time: new Date(START + 4 * Q).toISOString(),
      service: 'cut-blow-dry',
      status: 'confirmed',
    });
    const board = json(await rig.owner('GET', '/api/admin/timeslots?stylist=Anna'));
    expect(board.map((s: { status: string }) => s.status)).toEqual([
      'available',
      'booked',
      'booked',
      'booked',
      'available',
    ]);
    // One commit: every event of the move shares its end.
    const events = (await readWholeLog(rig.rig.log)).slice(before);
    expect(events.map((e) => e.type)).toEqual([
      'BookingMovedOut',
      'BookingMovedOut',
      'BookingMovedIn',
      'BookingMovedOut',
      'BookingMovedIn',
      'BookingMovedIn',
    ]);
    expect(new Set(events.map((e) => e.lastOfCommit ?? e.position)).size).toBe(1);
    expect((await client.get(`/api/bookings/${reference}/calendar.ics`)).body).toMatch(/SEQUENCE:1/);
    // And to another stylist who offers it (Ben's hour covers 45 minutes).
    const toBen = await client.post(`/api/bookings/${reference}/reschedule`, { slot_id: ben });
    expect(json(toBen).booking).toMatchObject({ stylist: 'Ben', slot_ids: [ben] });
    const history = json(await rig.owner('GET', `/api/admin/timeslots/${anna[2]}/history`)).events;
    expect(history.slice(-3).map((e: { type: string; appointment: string }) => [e.type, e.appointment])).toEqual([
      ['BookingMovedOut', reference],
      ['BookingMovedIn', reference],
      ['BookingMovedOut', reference],
    ]);
    const report = checkLog(await readWholeLog(rig.rig.log), rig.rig.clock.now());
    expect(describeViolations(report.violations)).toEqual([]);
  });

  it('changes nothing when any new slot is taken or the service does not fit there', async () => {
    const { rig, anna } = await withMenu();
    const { client, reference } = await bookRun(rig, anna[0] ?? '', 'cut-blow-dry');
    await rig.client({ ip: '198.51.100.9' }).post(`/api/timeslots/${anna[3]}/reserve`, {});
    const before = (await readWholeLog(rig.rig.log)).length;
    const taken = await client.post(`/api/bookings/${reference}/reschedule`, { slot_id: anna[1] });
    expect([taken.statusCode, json(taken).error]).toEqual([409, 'slot_taken']);
    const gap = await client.post(`/api/bookings/${reference}/reschedule`, { slot_id: anna[4] });
    expect([gap.statusCode, json(gap).error]).toEqual([409, 'service_does_not_fit']);
    const nowhere = await client.post(`/api/bookings/${reference}/reschedule`, { slot_id: 'anna-20991231T0900Z' });
    expect([nowhere.statusCode, json(nowhere).error]).toEqual([404, 'slot_not_found']);
    expect((await readWholeLog(rig.rig.log)).length).toBe(before);
    expect(json(await client.get(`/api/bookings/${reference}`)).booking.slot_ids).toEqual(anna.slice(0, 3));
    // A stranger without the token cannot move it; a cancelled booking cannot be moved.
    const stranger = await rig.client().post(`/api/bookings/${reference}/reschedule`, { slot_id: anna[1] });
    expect([stranger.statusCode, json(stranger).error]).toEqual([404, 'booking_not_found']);
    await client.post(`/api/bookings/${reference}/cancel`, {});
    const cancelled = await client.post(`/api/bookings/${reference}/reschedule`, { slot_id: anna[1] });
    expect([cancelled.statusCode, json(cancelled).error]).toEqual([409, 'booking_cancelled']);
  });
});
