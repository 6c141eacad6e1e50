import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { slotIdFor } from '../../machines/index.js';
import { checkLog } from '../../projections/index.js';
import type { Clock } from '../../src/clock.js';
import { createEngine } from '../../src/engine/engine.js';
import { type EventLog, readWholeLog } from '../../src/eventlog/port.js';
import { createSqliteLog } from '../../src/eventlog/sqlite.js';
import { OWNER } from '../support/engine-harness.js';
import { anna, simulatedClock, T0, tempDir } from '../support/fixtures.js';

// While an engine is its log's only writer, a cold slot's actor is restored from the read
// model and refusals read nothing. The first commit from another connection ends that.
// Real SQLite files; the log is wrapped only to count the reads the engine makes.

const customer = { name: 'Ada', phone: '+44 7700 900123' };

const counted = (log: EventLog) => {
  const reads = { stream: 0, head: 0, mark: 0 };
  const wrapped: EventLog = {
    ...log,
    foreignWriteMark: () => {
      reads.mark += 1;
      return log.foreignWriteMark?.() ?? Number.NaN;
    },
    readStream: (streamId) => {
      reads.stream += 1;
      return log.readStream(streamId);
    },
    headRevision: (streamId) => {
      reads.head += 1;
      return log.headRevision?.(streamId) ?? Promise.reject(new Error('no head'));
    },
  };
  return { log: wrapped, reads };
};

describe('engine as the only writer of its log', () => {
  const dir = tempDir();
  const clock = simulatedClock();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  const start = async (file: string, pollMs = 10) => {
    const raw = createSqliteLog({ path: join(dir.path, file), clock, pollMs });
    const { log, reads } = counted(raw);
    // No idle actors kept: every slot not held is cold on its next command.
    const engine = createEngine({
      log,
      clock: clock as Clock,
      holdSeconds: 180,
      maxHoldsPerClient: 5,
      maxIdleActors: 0,
    });
    await engine.start();
    closers.push(async () => {
      await engine.stop();
      await raw.close();
    });
    return { engine, reads, raw };
  };

  it('restores available slots from the read model, refuses without reading, and still reads a booked slot', async () => {
    const { engine, reads, raw } = await start('sole.db');
    const first = slotIdFor('Anna', anna(4).startsAt);
    await engine.open(anna(4), OWNER);
    await engine.open(anna(5), OWNER); // lets the first slot's actor go
    expect(engine.activeActors).toBe(1);
    reads.stream = 0;

    const held = await engine.reserve(first, 'client-a');
    expect(held.slot).toMatchObject({ status: 'reserved', hold: { clientId: 'client-a' } });
    await expect(engine.reserve(first, 'client-b')).rejects.toMatchObject({ code: 'slot_taken' });
    await expect(engine.reserve(slotIdFor('Anna', T0 + 500 * 3_600_000), 'client-a')).rejects.toMatchObject({
      code: 'slot_not_found',
    });
    expect(reads).toMatchObject({ stream: 0, head: 0 });

    // A booked slot's state holds the customer, which readers do not keep: from the stream.
    const booked = await engine.book(first, 'client-a', customer);
    await engine.open(anna(6), OWNER); // lets it go again
    const cancelled = await engine.cancelBooking(
      first,
      { by: 'client', bookingId: booked.slot.booking?.bookingId ?? '' },
      { actor: { kind: 'client', id: 'client-a' } },
    );
    expect(cancelled.slot.status).toBe('available');
    expect(reads.stream).toBe(1);

    // The actor restored from the model decided what a replay would have.
    const again = await engine.reserve(first, 'client-c');
    expect(again.slot).toMatchObject({ status: 'reserved', slot: { slotId: first, stylist: 'Anna' } });
    expect(again.slot.slot?.startsAt).toBe(anna(4).startsAt);
    const events = await readWholeLog(raw, 1_000);
    expect(events.map((e) => e.type).filter((t) => t !== 'TimeslotOpened')).toEqual([
      'TimeslotReserved',
      'TimeslotBooked',
      'BookingCancelled',
      'TimeslotReserved',
    ]);
    expect(checkLog(events, clock.now()).violations).toEqual([]);
  });

  it('reads streams and checks heads again once another connection has written', async () => {
    // `one` does not poll for other writers: had it noticed the other process's release and
    // reloaded the slot by itself, its next command would need no look at the log (a flake).
    const one = await start('shared.db', 3_600_000);
    const two = await start('shared.db'); // another process on the same file
    const slot = slotIdFor('Anna', anna(4).startsAt);
    await one.engine.open(anna(4), OWNER);
    await one.engine.reserve(slot, 'client-a');
    // The other process lets the hold go; one's actor (held, so kept warm) is now stale.
    await two.engine.cancelHold(slot, 'client-a');
    one.reads.stream = 0;
    one.reads.head = 0;
    const taken = await one.engine.reserve(slot, 'client-c');
    expect(taken.slot.hold?.clientId).toBe('client-c');
    expect(one.reads.stream + one.reads.head).toBeGreaterThan(0);

    // A slot the other process opened is read from the log, not looked up in a model that
    // may not have heard of it yet.
    const later = slotIdFor('Anna', anna(8).startsAt);
    await two.engine.open(anna(8), OWNER);
    one.reads.stream = 0;
    await expect(one.engine.reserve(later, 'client-d')).resolves.toMatchObject({ slot: { status: 'reserved' } });
    expect(one.reads.stream).toBe(1);
  });

  it('lets one look at the mark answer for every request received before it, and no later one', async () => {
    // `one` does not poll for other writers here: had it noticed the other process's commit
    // and reloaded the slot by itself, the request below would need no look at the mark.
    const one = await start('receipts.db', 3_600_000);
    const slot = slotIdFor('Anna', anna(4).startsAt);
    await one.engine.open(anna(4), OWNER);
    await one.engine.reserve(slot, 'client-a');
    const client = (id: string, receivedAt: number) => ({ actor: { kind: 'client' as const, id }, receivedAt });

    // Three refusals from requests received together: the first looks, the others reuse it.
    const received = performance.now();
    one.reads.mark = 0;
    for (const id of ['b', 'c', 'd']) {
      await expect(one.engine.reserve(slot, id, client(id, received))).rejects.toMatchObject({ code: 'slot_taken' });
    }
    expect(one.reads).toMatchObject({ mark: 1, stream: 0, head: 0 });
    // Commands with no receipt time (timers, tools) always look.
    await expect(one.engine.reserve(slot, 'client-x')).rejects.toMatchObject({ code: 'slot_taken' });
    await expect(one.engine.reserve(slot, 'client-y')).rejects.toMatchObject({ code: 'slot_taken' });
    expect(one.reads.mark).toBe(3);

    // Another process releases the hold. A request received after that must see it: its
    // receipt is later than the last look, so the engine looks again and reads the stream.
    const two = await start('receipts.db');
    await two.engine.cancelHold(slot, 'client-a');
    one.reads.mark = 0;
    const taken = await one.engine.reserve(slot, 'client-e', client('client-e', performance.now()));
    expect(taken.slot.hold?.clientId).toBe('client-e');
    expect(one.reads.mark).toBe(1);
    expect(one.reads.head + one.reads.stream).toBeGreaterThan(0);

    // Once the mark has moved it is never read again: the shortcut is over for good.
    one.reads.mark = 0;
    await expect(one.engine.reserve(slot, 'client-f')).rejects.toMatchObject({ code: 'slot_taken' });
    expect(one.reads.mark).toBe(0);
  });
});
