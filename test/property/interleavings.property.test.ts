import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slotIdFor } from '../../machines/index.js';
import { checkLog, describeViolations } from '../../projections/index.js';
import type { Clock } from '../../src/clock.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { createMemoryLog, createMemoryStore, type MemoryStore } from '../../src/eventlog/memory.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { OWNER } from '../support/engine-harness.js';
import { anna, simulatedClock } from '../support/fixtures.js';
import { sequentialIds } from '../support/ids.js';
import { scheduled, settle } from '../support/scheduled-log.js';

// (b) fc.scheduler decides the order in which every log read and write of two engine
// "processes" on one log completes, and when the clock moves. Whatever the order: never
// two live holds or bookings on a slot, exactly one winner per contested reserve, and
// every acknowledged event is in the log.

const SLOTS = [4, 5].map((h) => slotIdFor('Anna', anna(h).startsAt));
const customer = { name: 'Ada', phone: '0161 496 0000' };

const twoProcesses = async (s: fc.Scheduler, holdSeconds = 180) => {
  const clock = simulatedClock();
  const store: MemoryStore = createMemoryStore();
  const setupLog = createMemoryLog({ store, clock });
  for (const h of [4, 5]) {
    const { stylist, startsAt, endsAt } = anna(h);
    const slotId = slotIdFor(stylist, startsAt);
    await setupLog.append(
      `timeslot-${slotId}`,
      [
        {
          type: 'TimeslotOpened',
          data: {
            slotId,
            stylist,
            startTime: new Date(startsAt).toISOString(),
            endTime: new Date(endsAt).toISOString(),
            openedAt: new Date(clock.now()).toISOString(),
          },
          metadata: { schemaVersion: 1, actor: OWNER.actor },
        },
      ],
      'no_stream',
    );
  }
  const engines: Engine[] = [];
  for (let i = 0; i < 2; i += 1) {
    const engine = createEngine({
      log: scheduled(createMemoryLog({ store, clock }), s),
      clock: clock as Clock,
      holdSeconds,
      maxHoldsPerClient: 2,
      ids: sequentialIds(`p${i}`), // two processes never draw the same id (real ids are random)
      mailboxCapacity: 1_000,
    });
    const started = engine.start();
    await s.waitAll();
    await started;
    engines.push(engine);
  }
  return { clock, store, engines, log: setupLog };
};

describe('concurrent commands under every interleaving (property b)', () => {
  it('a contested slot has exactly one winner; the rest are told it is taken', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(
          fc.record({
            engine: fc.integer({ min: 0, max: 1 }),
            client: fc.constantFrom('a', 'b', 'c', 'd'),
            slot: fc.constantFrom(...SLOTS),
          }),
          {
            minLength: 2,
            maxLength: 8,
          },
        ),
        async (s, requests) => {
          const { engines, log, clock } = await twoProcesses(s);
          const outcomes = requests.map((r) =>
            (engines[r.engine] as Engine).reserve(r.slot, `${r.client}`).then(
              (res) => ({ ...r, ok: true as const, holdId: res.slot.hold?.holdId, client: res.slot.hold?.clientId }),
              (e: { code: string }) => ({ ...r, ok: false as const, code: e.code }),
            ),
          );
          await settle(s, engines);
          const results = await Promise.all(outcomes);
          for (const slot of SLOTS) {
            const here = results.filter((r) => r.slot === slot);
            const winners = new Set(here.filter((r) => r.ok).map((r) => r.client));
            expect(winners.size).toBeLessThanOrEqual(1);
            // Every refusal must be one a client can act on; "taken" implies someone has it.
            for (const r of here) if (!r.ok) expect(['slot_taken', 'too_many_holds', 'busy']).toContain(r.code);
            if (here.some((r) => !r.ok && r.code === 'slot_taken')) expect(winners.size).toBe(1);
            if (here.length > 0 && here.every((r) => r.ok || r.code === 'slot_taken')) expect(winners.size).toBe(1);
          }
          const all = await readWholeLog(log);
          expect(describeViolations(checkLog(all, clock.now()).violations)).toEqual([]);
          for (const r of results) {
            if (r.ok)
              expect(
                all.some((e) => e.type === 'TimeslotReserved' && (e.data as { holdId: string }).holdId === r.holdId),
              ).toBe(true);
          }
          for (const e of engines) await e.stop();
        },
      ),
      { numRuns: 600 },
    );
  });

  it('mixed reserve / book / cancel / expiry across slots never double-books and loses nothing', async () => {
    const op = fc.record({
      engine: fc.integer({ min: 0, max: 1 }),
      kind: fc.constantFrom('reserve', 'book', 'cancelHold', 'advance'),
      client: fc.constantFrom('a', 'b', 'c'),
      slot: fc.constantFrom(...SLOTS),
    });
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(op, { minLength: 2, maxLength: 10 }), async (s, ops) => {
        const { engines, log, clock } = await twoProcesses(s, 60);
        const acknowledged: Array<{ type: string; key: string; id: string }> = [];
        const runs = ops.map(async (o) => {
          const engine = engines[o.engine] as Engine;
          if (o.kind === 'advance') {
            await s.schedule(Promise.resolve(), 'clock');
            clock.increment(61_000);
            return;
          }
          try {
            const res =
              o.kind === 'reserve'
                ? await engine.reserve(o.slot, o.client)
                : o.kind === 'book'
                  ? await engine.book(o.slot, o.client, customer)
                  : await engine.cancelHold(o.slot, o.client);
            if (o.kind === 'reserve' && res.events.length > 0)
              acknowledged.push({ type: 'TimeslotReserved', key: 'holdId', id: res.slot.hold?.holdId ?? '' });
            if (o.kind === 'book' && res.events.length > 0)
              acknowledged.push({ type: 'TimeslotBooked', key: 'bookingId', id: res.slot.booking?.bookingId ?? '' });
          } catch (e) {
            expect(typeof (e as { code?: string }).code).toBe('string'); // a typed refusal, never a crash
          }
        });
        await settle(s, engines);
        await Promise.all(runs);
        await settle(s, engines);
        // Time goes on after the last command, as it does in a real process: timers armed for
        // a deadline already past, and expiry retries, get their turn.
        for (let tick = 0; tick < 3; tick += 1) {
          clock.increment(1_000);
          await settle(s, engines);
        }
        const all = await readWholeLog(log);
        expect(describeViolations(checkLog(all, clock.now()).violations)).toEqual([]);
        for (const a of acknowledged) {
          expect(all.some((e) => e.type === a.type && (e.data as Record<string, string>)[a.key] === a.id)).toBe(true);
        }
        for (const e of engines) await e.stop();
      }),
      { numRuns: 500 },
    );
  });
});
