import { fdatasync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slotIdFor } from '../../machines/index.js';
import { liveHoldsOf, slotsBetween } from '../../projections/index.js';
import type { Clock } from '../../src/clock.js';
import { createEngine } from '../../src/engine/engine.js';
import { createMemoryLog, createMemoryStore } from '../../src/eventlog/memory.js';
import type { EventLog } from '../../src/eventlog/port.js';
import { OWNER, type Rig, sqliteRig } from '../support/engine-harness.js';
import { anna, HOUR, MINUTE, simulatedClock, T0 } from '../support/fixtures.js';

const HOLD = 180_000;
const customer = { name: 'Ada', phone: '+44 7700 900123' };

describe('engine on a SQLite log', () => {
  let rig: Rig;
  let slot: string;
  beforeEach(async () => {
    rig = await sqliteRig();
    slot = (await rig.engine.open(anna(4), OWNER)).slot.slot?.slotId ?? '';
  });
  afterEach(() => rig.dispose());

  const statusOf = (id: string) => rig.engine.models.availability.slots.get(id)?.status;
  const typesIn = async (id: string) => (await rig.log.readStream(`timeslot-${id}`)).map((e) => e.type);

  it('reserves, books, and shows both in the read models before answering', async () => {
    const held = await rig.engine.reserve(slot, 'client-a');
    expect(held.slot.hold).toMatchObject({ clientId: 'client-a', expiresAt: T0 + HOLD });
    expect(statusOf(slot)).toBe('reserved');
    const done = await rig.engine.book(slot, 'client-a', customer);
    expect(done.slot.status).toBe('booked');
    const bookingId = done.slot.booking?.bookingId ?? '';
    expect(bookingId).toMatch(/^HF-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(rig.engine.models.bookings.byId.get(bookingId)).toMatchObject({
      slotId: slot,
      customer,
      status: 'confirmed',
    });
    expect(await typesIn(slot)).toEqual(['TimeslotOpened', 'TimeslotReserved', 'TimeslotBooked']);
  });

  it('records who did what in the metadata', async () => {
    await rig.engine.reserve(slot, 'client-a', { requestId: 'req-1' });
    const history = await rig.engine.history(slot);
    expect(history.map((h) => [h.type, h.who])).toEqual([
      ['TimeslotOpened', { kind: 'owner' }],
      ['TimeslotReserved', { kind: 'client', id: 'client-a' }],
    ]);
    expect(history[1]?.requestId).toBe('req-1');
  });

  it('refuses a second client while a hold is live, with nothing written', async () => {
    await rig.engine.reserve(slot, 'client-a');
    await expect(rig.engine.reserve(slot, 'client-b')).rejects.toMatchObject({ code: 'slot_taken' });
    expect(await typesIn(slot)).toEqual(['TimeslotOpened', 'TimeslotReserved']);
  });

  it('expires a hold when its deadline passes, with an event, and the slot returns', async () => {
    await rig.engine.reserve(slot, 'client-a');
    await rig.advance(HOLD - 1);
    expect(statusOf(slot)).toBe('reserved');
    await rig.advance(1);
    expect(statusOf(slot)).toBe('available');
    const history = await rig.engine.history(slot);
    expect(history.at(-1)).toMatchObject({
      type: 'ReservationExpired',
      who: { kind: 'system', reason: 'hold_expired' },
    });
    await expect(rig.engine.reserve(slot, 'client-b')).resolves.toBeDefined();
  });

  it('caps live holds per client, also under concurrent requests', async () => {
    const ids = [];
    for (let h = 5; h < 10; h += 1) ids.push((await rig.engine.open(anna(h), OWNER)).slot.slot?.slotId ?? '');
    const results = await Promise.allSettled(ids.map((id) => rig.engine.reserve(id, 'greedy')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(results.filter((r) => r.status === 'rejected' && r.reason.code === 'too_many_holds')).toHaveLength(3);
    expect(liveHoldsOf(rig.engine.models.availability, 'greedy', rig.clock.now())).toHaveLength(2);
    // Re-asking for a slot you hold is not a new hold, even at the cap.
    const held = liveHoldsOf(rig.engine.models.availability, 'greedy', rig.clock.now())[0]?.slotId ?? '';
    await expect(rig.engine.reserve(held, 'greedy')).resolves.toMatchObject({ events: [] });
  });

  it('answers busy when a slot mailbox is full instead of queueing without bound', async () => {
    await rig.dispose();
    rig = await sqliteRig({ mailboxCapacity: 4 });
    slot = (await rig.engine.open(anna(4), OWNER)).slot.slot?.slotId ?? '';
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => rig.engine.cancelHold(slot, `c${i}`)),
    );
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason.code));
    expect(codes.filter((c) => c === 'busy')).toHaveLength(6);
    expect(codes.filter((c) => c === 'no_hold')).toHaveLength(4);
  });

  it('answers a stampede of reserves on one slot with one hold and slot_taken for the rest, never busy', async () => {
    await rig.dispose();
    rig = await sqliteRig({ mailboxCapacity: 4 });
    slot = (await rig.engine.open(anna(4), OWNER)).slot.slot?.slotId ?? '';
    const results = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => rig.engine.reserve(slot, `c${i}`)));
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason.code));
    expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
    expect(codes.filter((c) => c === 'slot_taken')).toHaveLength(299);
    // Now known to be taken: refused at once, without entering the slot's mailbox.
    const late = rig.engine.reserve(slot, 'late');
    expect(rig.engine.mailboxDepth).toBe(0);
    await expect(late).rejects.toMatchObject({ code: 'slot_taken' });
  });

  it('answers busy (not a wait without end) when the reserve ahead on the slot hangs on a stalled disk', async () => {
    await rig.dispose();
    const stalled: Array<() => void> = [];
    let stall = false;
    rig = await sqliteRig(
      { reserveWaitMs: 200 },
      {
        syncWal: (fd, done) => (stall ? stalled.push(() => fdatasync(fd, done)) : fdatasync(fd, done)),
      },
    );
    slot = (await rig.engine.open(anna(4), OWNER)).slot.slot?.slotId ?? '';
    stall = true;
    const first = rig.engine.reserve(slot, 'first');
    const behind = await Promise.allSettled([rig.engine.reserve(slot, 'a'), rig.engine.reserve(slot, 'b')]);
    expect(behind.map((r) => (r.status === 'rejected' ? r.reason.code : 'ok'))).toEqual(['busy', 'busy']);
    stall = false;
    for (const release of stalled.splice(0)) release();
    await expect(first).resolves.toMatchObject({ slot: { status: 'reserved' } });
    await expect(rig.engine.reserve(slot, 'late')).rejects.toMatchObject({ code: 'slot_taken' });
  });

  it('keeps a hold’s original deadline across a restart and re-arms only the time left', async () => {
    await rig.engine.reserve(slot, 'client-a');
    await rig.advance(2 * MINUTE);
    await rig.restart();
    expect(rig.engine.models.availability.slots.get(slot)?.hold?.expiresAt).toBe(T0 + HOLD);
    await expect(rig.engine.reserve(slot, 'client-b')).rejects.toMatchObject({ code: 'slot_taken' });
    await rig.advance(MINUTE - 1);
    expect(statusOf(slot)).toBe('reserved');
    await rig.advance(1);
    expect(statusOf(slot)).toBe('available');
  });

  it('expires at start-up, with an event, a hold whose deadline passed while down', async () => {
    await rig.engine.reserve(slot, 'client-a');
    await rig.restart(10 * MINUTE);
    expect(rig.engine.ready).toBe(true);
    expect(statusOf(slot)).toBe('available');
    const history = await rig.engine.history(slot);
    expect(history.at(-1)).toMatchObject({ type: 'ReservationExpired', at: new Date(T0 + 10 * MINUTE).toISOString() });
  });

  it('refuses an overlapping slot for the same stylist, but not for another', async () => {
    await expect(
      rig.engine.open({ ...anna(4, 30), startsAt: anna(4).startsAt + 30 * MINUTE }, OWNER),
    ).rejects.toMatchObject({
      code: 'slot_overlaps',
    });
    await expect(rig.engine.open({ ...anna(4), stylist: 'Ben' }, OWNER)).resolves.toBeDefined();
    await expect(rig.engine.open(anna(4), OWNER)).resolves.toMatchObject({ events: [] });
  });

  it('answers unknown and malformed slot ids with slot_not_found and keeps no actor for them', async () => {
    const before = rig.engine.activeActors;
    await expect(rig.engine.reserve('nobody-20270101T0900Z', 'a')).rejects.toMatchObject({ code: 'slot_not_found' });
    await expect(rig.engine.reserve('../../etc/passwd', 'a')).rejects.toMatchObject({ code: 'slot_not_found' });
    expect(rig.engine.activeActors).toBe(before);
  });

  it('reconstructs the slot at any past instant', async () => {
    await rig.engine.reserve(slot, 'client-a');
    rig.clock.increment(MINUTE);
    await rig.engine.book(slot, 'client-a', customer);
    rig.clock.increment(MINUTE);
    await rig.engine.cancelBooking(slot, { by: 'owner' }, OWNER);
    expect((await rig.engine.stateAt(slot, T0 - 1))?.status).toBeUndefined();
    expect((await rig.engine.stateAt(slot, T0))?.status).toBe('reserved');
    expect((await rig.engine.stateAt(slot, T0 + MINUTE))?.status).toBe('booked');
    expect((await rig.engine.stateAt(slot, T0 + 2 * MINUTE))?.status).toBe('available');
  });

  it('lists slots by time range and stylist', async () => {
    await rig.engine.open({ ...anna(4), stylist: 'Ben' }, OWNER);
    await rig.engine.open(anna(30), OWNER);
    const today = slotsBetween(rig.engine.models.availability, { from: T0, to: T0 + 24 * HOUR });
    expect(today.map((s) => s.stylist)).toEqual(['Anna', 'Ben']);
    expect(
      slotsBetween(rig.engine.models.availability, { from: T0, to: T0 + 48 * HOUR, stylist: 'anna' }),
    ).toHaveLength(2);
  });
});

describe('engine failure handling', () => {
  it('drops the actor after an append error and serves the next command from the log', async () => {
    const clock = simulatedClock();
    const inner = createMemoryLog({ clock });
    let failNext = false;
    const flaky: EventLog = {
      ...inner,
      kind: 'flaky memory',
      append: (...args) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('disk on fire'));
        }
        return inner.append(...args);
      },
    };
    const engine = createEngine({ log: flaky, clock: clock as Clock, holdSeconds: 180, maxHoldsPerClient: 2 });
    await engine.start();
    const slot = (await engine.open(anna(4), OWNER)).slot.slot?.slotId ?? '';
    failNext = true;
    await expect(engine.reserve(slot, 'a')).rejects.toMatchObject({ code: 'log_unavailable' });
    expect(engine.models.availability.slots.get(slot)?.status).toBe('available');
    await expect(engine.reserve(slot, 'b')).resolves.toMatchObject({ slot: { status: 'reserved' } });
    await engine.stop();
  });

  it('answers a failing read as log_unavailable, for commands and for history alike', async () => {
    const clock = simulatedClock();
    // A log that cannot tell whether others write (as EventStoreDB): every cold actor is read.
    const { foreignWriteMark: _cannotTell, ...inner } = createMemoryLog({ clock });
    let readsFail = false;
    const flaky: EventLog = {
      ...inner,
      readStream: (streamId) => (readsFail ? Promise.reject(new Error('disk on fire')) : inner.readStream(streamId)),
    };
    const engine = createEngine({
      log: flaky,
      clock: clock as Clock,
      holdSeconds: 180,
      maxHoldsPerClient: 2,
      maxIdleActors: 0,
    });
    await engine.start();
    const slot = (await engine.open(anna(4), OWNER)).slot.slot?.slotId ?? '';
    await engine.open(anna(5), OWNER); // with no idle actors kept, the first slot's actor is let go
    expect(engine.activeActors).toBe(1);
    readsFail = true;
    await expect(engine.reserve(slot, 'a')).rejects.toMatchObject({ code: 'log_unavailable' });
    await expect(engine.history(slot)).rejects.toMatchObject({ code: 'log_unavailable' });
    await expect(engine.stateAt(slot, clock.now())).rejects.toMatchObject({ code: 'log_unavailable' });
    readsFail = false;
    await expect(engine.reserve(slot, 'a')).resolves.toMatchObject({ slot: { status: 'reserved' } });
    await engine.stop();
  });

  it('two engines on one log: a stale actor reloads and decides again; only one hold wins', async () => {
    const clock = simulatedClock();
    const store = createMemoryStore();
    const make = async () => {
      const engine = createEngine({
        log: createMemoryLog({ store, clock }),
        clock: clock as Clock,
        holdSeconds: 180,
        maxHoldsPerClient: 2,
      });
      await engine.start();
      return engine;
    };
    const one = await make();
    const two = await make();
    const slot = slotIdFor('Anna', anna(4).startsAt);
    await one.open(anna(4), OWNER);
    await two.reserve(slot, 'b').catch(() => undefined); // warms two's actor (or finds it)
    await two.cancelHold(slot, 'b').catch(() => undefined);
    // one's actor for the slot is now stale: its append conflicts, it reloads, decides again.
    const results = await Promise.allSettled([one.reserve(slot, 'x'), two.reserve(slot, 'y')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const holds = store.streams.get(`timeslot-${slot}`)?.filter((e) => e.type === 'TimeslotReserved') ?? [];
    expect(holds).toHaveLength(2); // b's earlier hold and exactly one of x / y
    await one.stop();
    await two.stop();
  });
});
