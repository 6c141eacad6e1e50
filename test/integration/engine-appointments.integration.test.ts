import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bookingsBetween, checkLog, decodeModels, describeViolations, encodeModels } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { OWNER, type Rig, sqliteRig } from '../support/engine-harness.js';
import { HOUR, MINUTE, T0 } from '../support/fixtures.js';

// Appointments on the engine over a real SQLite file: a run of slots is held, booked,
// released, expired, closed and cancelled as one, in one commit, or not at all.

const HOLD = 180_000;
const customer = { name: 'Ada', phone: '+44 7700 900123' };
const colour = { id: 'colour', name: 'Colour', durationMinutes: 45 };
/** Anna's 15-minute slots from T0 + 4 h. */
const quarter = (n: number) => ({
  stylist: 'Anna',
  startsAt: T0 + 4 * HOUR + n * 15 * MINUTE,
  endsAt: T0 + 4 * HOUR + (n + 1) * 15 * MINUTE,
});

describe('appointments on the engine (SQLite)', () => {
  let rig: Rig;
  let ids: string[];
  beforeEach(async () => {
    rig = await sqliteRig({ holdCooldownSeconds: 0 });
    const opened = await rig.engine.openMany([0, 1, 2, 3, 4].map(quarter), OWNER);
    ids = opened.map((o) => (o.ok ? (o.result.slot.slot?.slotId ?? '') : ''));
  });
  afterEach(() => rig.dispose());

  const run = (from: number, n: number) => ({ slotIds: ids.slice(from, from + n), service: colour });
  const summary = (id: string) => rig.engine.models.availability.slots.get(id);
  const statuses = () => ids.map((id) => summary(id)?.status);
  /** The log's events after the five opens, as [slot index, type] with commit ends marked. */
  const written = async () => {
    const all = (await readWholeLog(rig.log)).slice(5);
    return all.map((e) => ({
      slot: ids.indexOf(e.streamId.slice('timeslot-'.length)),
      type: e.type,
      commitEnd: e.lastOfCommit ?? e.position,
    }));
  };
  const sound = async () => {
    const report = checkLog(await readWholeLog(rig.log), rig.clock.now());
    expect(describeViolations(report.violations)).toEqual([]);
  };

  it('holds every slot of the run in one commit, under one hold id and one deadline', async () => {
    const held = await rig.engine.reserve(ids[1] ?? '', 'client-a', {}, run(1, 3));
    expect(statuses()).toEqual(['available', 'reserved', 'reserved', 'reserved', 'available']);
    const holds = ids.slice(1, 4).map((id) => summary(id)?.hold);
    expect(new Set(holds.map((h) => h?.holdId)).size).toBe(1);
    expect(new Set(holds.map((h) => h?.expiresAt))).toEqual(new Set([T0 + HOLD]));
    expect(held.slot.hold?.appointment).toEqual({
      slotIds: ids.slice(1, 4),
      startTime: new Date(quarter(1).startsAt).toISOString(),
      endTime: new Date(quarter(3).endsAt).toISOString(),
      service: colour,
    });
    const events = await written();
    expect(events.map((e) => [e.slot, e.type])).toEqual([
      [1, 'TimeslotReserved'],
      [2, 'TimeslotReserved'],
      [3, 'TimeslotReserved'],
    ]);
    expect(new Set(events.map((e) => e.commitEnd)).size).toBe(1);
    await sound();
  });

  it('holds nothing when any slot of the run is taken, and says slot_taken', async () => {
    await rig.engine.reserve(ids[3] ?? '', 'client-b');
    await expect(rig.engine.reserve(ids[1] ?? '', 'client-a', {}, run(1, 3))).rejects.toMatchObject({
      code: 'slot_taken',
    });
    expect(statuses()).toEqual(['available', 'available', 'available', 'reserved', 'available']);
    expect((await written()).map((e) => e.slot)).toEqual([3]);
  });

  it('refuses a run with a gap or past the end as service_does_not_fit', async () => {
    await expect(
      rig.engine.reserve(ids[0] ?? '', 'client-a', {}, { slotIds: [ids[0] ?? '', ids[2] ?? ''], service: colour }),
    ).rejects.toMatchObject({ code: 'service_does_not_fit' });
    await expect(
      rig.engine.reserve(ids[3] ?? '', 'client-a', {}, { slotIds: ids.slice(3, 5), service: colour }),
    ).rejects.toMatchObject({ code: 'service_does_not_fit' }); // 30 minutes of slots for 45
    expect(await written()).toEqual([]);
  });

  it('books the whole appointment from any of its slots, as one booking', async () => {
    await rig.engine.reserve(ids[1] ?? '', 'client-a', {}, run(1, 3));
    const booked = await rig.engine.book(ids[3] ?? '', 'client-a', customer);
    const reference = booked.slot.booking?.bookingId ?? '';
    expect(statuses()).toEqual(['available', 'booked', 'booked', 'booked', 'available']);
    for (const id of ids.slice(1, 4)) expect(summary(id)?.booking?.bookingId).toBe(reference);
    expect(rig.engine.models.bookings.byId.get(reference)).toMatchObject({
      slotId: ids[1],
      slotIds: ids.slice(1, 4),
      startsAt: quarter(1).startsAt,
      endsAt: quarter(3).endsAt,
      service: colour,
      status: 'confirmed',
    });
    expect(rig.engine.models.bookings.byId.size).toBe(1);
    // Cancelling it (from its middle slot) frees every slot in one commit.
    await rig.engine.cancelBooking(ids[2] ?? '', { by: 'client' }, { actor: { kind: 'client', id: 'client-a' } });
    expect(statuses()).toEqual(['available', 'available', 'available', 'available', 'available']);
    const cancels = (await written()).filter((e) => e.type === 'BookingCancelled');
    expect(cancels.map((e) => e.slot)).toEqual([1, 2, 3]);
    expect(new Set(cancels.map((e) => e.commitEnd)).size).toBe(1);
    expect(rig.engine.models.bookings.byId.get(reference)?.status).toBe('cancelled');
    await sound();
  });

  it('releases the whole hold from its last slot', async () => {
    await rig.engine.reserve(ids[1] ?? '', 'client-a', {}, run(1, 3));
    await rig.engine.cancelHold(ids[3] ?? '', 'client-a');
    expect(statuses()).toEqual(['available', 'available', 'available', 'available', 'available']);
    await sound();
  });

  it('expires every slot at the shared deadline in one commit, also after a restart', async () => {
    await rig.engine.reserve(ids[1] ?? '', 'client-a', {}, run(1, 3));
    await rig.restart(HOLD / 2);
    expect(statuses()).toEqual(['available', 'reserved', 'reserved', 'reserved', 'available']);
    await rig.advance(HOLD / 2);
    expect(statuses()).toEqual(['available', 'available', 'available', 'available', 'available']);
    const expiries = (await written()).filter((e) => e.type === 'ReservationExpired');
    expect(expiries.map((e) => e.slot)).toEqual([1, 2, 3]);
    expect(new Set(expiries.map((e) => e.commitEnd)).size).toBe(1);
    await sound();
  });

  it('ends the whole hold when the owner closes one of its slots', async () => {
    await rig.engine.reserve(ids[1] ?? '', 'client-a', {}, run(1, 3));
    await rig.engine.close(ids[2] ?? '', 'staff training', OWNER);
    expect(statuses()).toEqual(['available', 'available', 'closed', 'available', 'available']);
    const after = (await written()).slice(3);
    expect(after.map((e) => [e.slot, e.type])).toEqual([
      [1, 'ReservationCancelled'],
      [2, 'ReservationCancelled'],
      [2, 'TimeslotClosed'],
      [3, 'ReservationCancelled'],
    ]);
    expect(new Set(after.map((e) => e.commitEnd)).size).toBe(1);
    await sound();
  });

  it('counts an appointment as one hold against the cap', async () => {
    await rig.engine.reserve(ids[0] ?? '', 'client-a', {}, run(0, 3));
    await rig.engine.reserve(ids[3] ?? '', 'client-a');
    // Two holds (the cap): a third is refused, but asking again for the appointment is not.
    await expect(rig.engine.reserve(ids[4] ?? '', 'client-a')).rejects.toMatchObject({ code: 'too_many_holds' });
    await expect(rig.engine.reserve(ids[0] ?? '', 'client-a', {}, run(0, 3))).resolves.toMatchObject({ events: [] });
  });

  it('gives overlapping appointments asked for at once to one client only', async () => {
    const results = await Promise.allSettled([
      rig.engine.reserve(ids[0] ?? '', 'client-a', {}, run(0, 3)),
      rig.engine.reserve(ids[2] ?? '', 'client-b', {}, run(2, 3)),
      rig.engine.reserve(ids[1] ?? '', 'client-c', {}, run(1, 3)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason.code === 'slot_taken')).toHaveLength(2);
    await sound();
  });

  it('lists a booking moved to another day once, on its new day, as a replay from a snapshot does', async () => {
    const nextDay = (n: number) => ({
      ...quarter(n),
      startsAt: quarter(n).startsAt + 24 * HOUR,
      endsAt: quarter(n).endsAt + 24 * HOUR,
    });
    const later = await rig.engine.openMany([0, 1, 2].map(nextDay), OWNER);
    const laterIds = later.map((o) => (o.ok ? (o.result.slot.slot?.slotId ?? '') : ''));
    await rig.engine.reserve(ids[0] ?? '', 'client-a', {}, run(0, 3));
    const reference = (await rig.engine.book(ids[0] ?? '', 'client-a', customer)).slot.booking?.bookingId ?? '';
    await rig.engine.reschedule(reference, laterIds, { by: 'client' }, { actor: { kind: 'client', id: 'client-a' } });
    const listed = bookingsBetween(rig.engine.models.bookings, T0, T0 + 3 * 24 * HOUR).map((b) => b.bookingId);
    expect(listed).toEqual([reference]);
    expect(bookingsBetween(rig.engine.models.bookings, T0, T0 + 24 * HOUR)).toEqual([]);
    const mark = { position: rig.engine.models.position, streamId: 'x', revision: 0, recordedAt: '' };
    const restored = decodeModels(JSON.parse(JSON.stringify(encodeModels(rig.engine.models, 'fold', mark))));
    expect(restored.bookings.byDay).toEqual(rig.engine.models.bookings.byDay);
    await sound();
  });
});
