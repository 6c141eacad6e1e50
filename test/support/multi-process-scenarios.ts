import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNTS_STREAM, type RecordedEvent, sessionOf, slotIdFor, streamIdOf } from '../../machines/index.js';
import { hashToken } from '../../src/accounts/tokens.js';
import type { Clock } from '../../src/clock.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { EventLog } from '../../src/eventlog/port.js';
import { OWNER } from './engine-harness.js';
import { anna, simulatedClock, until } from './fixtures.js';

// Several app processes on one log, at the engine level: each "process" is an engine with
// its own connection to the shared log (its own SQLite connection, its own EventStoreDB
// client). They share nothing else — no memory, no locks — only the simulated clock, so a
// test can make every process's hold timer fire at once.

export type SharedLogHarness = {
  /** A new connection to the one shared log, as another process would open. */
  connect(clock: Pick<Clock, 'now'>): Promise<EventLog> | EventLog;
  cleanup(): Promise<void> | void;
};

type Process = { log: EventLog; engine: Engine; committed: RecordedEvent[] };

const HOLD_MS = 180_000;

export const multiProcessScenarios = (name: string, makeHarness: () => SharedLogHarness): void => {
  describe(`several processes on one log: ${name}`, () => {
    let harness: SharedLogHarness;
    let clock: ReturnType<typeof simulatedClock>;
    let processes: Process[];
    const slot = slotIdFor('Anna', anna(4).startsAt);

    const start = async (): Promise<Process> => {
      const log = await harness.connect(clock);
      const engine = createEngine({ log, clock: clock as Clock, holdSeconds: HOLD_MS / 1_000, maxHoldsPerClient: 2 });
      await engine.start();
      const committed: RecordedEvent[] = [];
      engine.onCommitted((commit) => void committed.push(...commit));
      const process = { log, engine, committed };
      processes.push(process);
      return process;
    };
    const streamOf = async (p: Process) => (await p.log.readStream(streamIdOf(slot))).map((e) => e.type);
    const statusAt = (p: Process) => p.engine.models.availability.slots.get(slot)?.status;

    beforeEach(() => {
      harness = makeHarness();
      clock = simulatedClock();
      processes = [];
    });
    afterEach(async () => {
      for (const p of processes) await p.engine.stop();
      for (const p of processes) await p.log.close();
      await harness.cleanup();
    });

    it("each process's read models and listeners see what the others write", async () => {
      const a = await start();
      const b = await start();
      await a.engine.open(anna(4), OWNER);
      await until(() => statusAt(b) === 'available');
      await a.engine.reserve(slot, 'client-x');
      await until(() => statusAt(b) === 'reserved');
      await a.engine.book(slot, 'client-x', { name: 'Ada', phone: '+44 7700 900123' });
      await until(() => statusAt(b) === 'booked');
      // What B's WebSocket clients would be told: every event, in log order, once.
      expect(b.committed.map((e) => e.type)).toEqual(['TimeslotOpened', 'TimeslotReserved', 'TimeslotBooked']);
      expect([...b.engine.models.bookings.byId.values()].map((booking) => booking.status)).toEqual(['confirmed']);
      // A process started later rebuilds the same picture from the log.
      const c = await start();
      expect(statusAt(c)).toBe('booked');
    });

    it('a hold taken in one process refuses the same slot in another', async () => {
      const a = await start();
      const b = await start();
      await a.engine.open(anna(4), OWNER);
      await until(() => statusAt(b) === 'available');
      await a.engine.reserve(slot, 'client-x');
      await expect(b.engine.reserve(slot, 'client-y')).rejects.toMatchObject({ code: 'slot_taken' });
      expect(await streamOf(a)).toEqual(['TimeslotOpened', 'TimeslotReserved']);
    });

    it('a stale actor loses the append, reloads and decides again: exactly one of two racing holds wins', async () => {
      const a = await start();
      const b = await start();
      await a.engine.open(anna(4), OWNER);
      await until(() => statusAt(b) === 'available');
      // Warm both processes' actors for the slot, then race them.
      await a.engine.reserve(slot, 'warm-a');
      await a.engine.cancelHold(slot, 'warm-a');
      await until(() => statusAt(b) === 'available' && b.committed.length === 3);
      await b.engine.reserve(slot, 'warm-b');
      await b.engine.cancelHold(slot, 'warm-b');
      for (let round = 0; round < 5; round += 1) {
        // New clients each round: a released holder waits out a cool-down.
        const [x, y] = [`x${round}`, `y${round}`];
        const results = await Promise.allSettled([a.engine.reserve(slot, x), b.engine.reserve(slot, y)]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(['slot_taken']);
        const winner = won[0]?.status === 'fulfilled' && won[0].value.slot.hold?.clientId === x ? a : b;
        await winner.engine.cancelHold(slot, winner === a ? x : y);
      }
      const types = await streamOf(a);
      // Every hold in the log was released before the next was taken: never two at once.
      let held = false;
      for (const type of types) {
        if (type === 'TimeslotReserved') {
          expect(held).toBe(false);
          held = true;
        } else if (type === 'ReservationCancelled') held = false;
      }
      expect(types.filter((t) => t === 'TimeslotReserved')).toHaveLength(7);
    });

    it('a refusal or a no-op from a warm actor is checked against the log before it is given', async () => {
      const a = await start();
      const b = await start();
      await a.engine.open(anna(4), OWNER);
      await until(() => statusAt(b) === 'available');
      await b.engine.reserve(slot, 'warm');
      await b.engine.cancelHold(slot, 'warm'); // B's actor for the slot is now warm
      await until(() => a.committed.length === 3);
      for (let round = 0; round < 5; round += 1) {
        await a.engine.reserve(slot, `x${round}`);
        // At once, before B need have heard: the client releases its hold through B. A
        // stale actor would say "no hold here" and leave the hold standing.
        await b.engine.cancelHold(slot, `x${round}`);
        await until(() => statusAt(a) === 'available' && statusAt(b) === 'available');
      }
      const types = await streamOf(a);
      expect(types.filter((t) => t === 'ReservationCancelled')).toHaveLength(6);
    });

    it('every process arms the hold timer; one expiry lands and the others move on', async () => {
      const a = await start();
      const b = await start();
      await a.engine.open(anna(4), OWNER);
      await a.engine.reserve(slot, 'client-x');
      await until(() => statusAt(b) === 'reserved');
      await b.engine.whenIdle(); // B has loaded the hold into its own actor and armed its timer
      clock.increment(HOLD_MS + 1);
      await until(() => statusAt(a) === 'available' && statusAt(b) === 'available');
      await a.engine.whenIdle();
      await b.engine.whenIdle();
      await new Promise((r) => setTimeout(r, 100)); // let any late second expiry surface
      expect(await streamOf(a)).toEqual(['TimeslotOpened', 'TimeslotReserved', 'ReservationExpired']);
      // And the slot is genuinely free again, in both.
      await b.engine.reserve(slot, 'client-y');
      await until(() => statusAt(a) === 'reserved');
    });

    it('a hold taken while another process was down expires when that process starts, not twice', async () => {
      const a = await start();
      await a.engine.open(anna(4), OWNER);
      await a.engine.reserve(slot, 'client-x');
      await a.engine.stop();
      clock.increment(HOLD_MS + 1); // nobody is running to notice
      // Two processes come up together; both find the lapsed hold at start-up.
      const [b, c] = await Promise.all([start(), start()]);
      if (b === undefined || c === undefined) throw new Error('processes did not start');
      await until(() => statusAt(b) === 'available' && statusAt(c) === 'available');
      await b.engine.whenIdle();
      await c.engine.whenIdle();
      expect((await streamOf(b)).filter((t) => t === 'ReservationExpired')).toHaveLength(1);
    });

    it('staff accounts are one set: set up once, a session started in one process is live and ended in every one', async () => {
      const a = await start();
      const b = await start();
      const setUp = (p: Process, email: string) =>
        p.engine.accounts.setUp({ email, name: 'Owner', password: 'tulip-harbour-42-lime' }, {});
      const outcomes = await Promise.allSettled([setUp(a, 'olive@salon.example'), setUp(b, 'mallory@x.example')]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(outcomes.find((o) => o.status === 'rejected')).toMatchObject({ reason: { code: 'already_set_up' } });
      await until(() => a.engine.models.accounts.accounts.size === 1 && b.engine.models.accounts.accounts.size === 1);
      const [owner] = [...b.engine.models.accounts.accounts.values()];
      if (owner === undefined) throw new Error('no owner');
      const actor = { kind: 'staff' as const, accountId: owner.accountId, name: owner.name, role: owner.role };
      const started = await a.engine.accounts.startSession(owner.accountId, undefined, { actor });
      const liveIn = (p: Process) => sessionOf(p.engine.models.accounts, hashToken(started.token), clock.now());
      await until(() => liveIn(b) !== undefined);
      await b.engine.accounts.endSession(started.session.sessionId, 'revoked', { actor: { kind: 'owner' } });
      await until(() => liveIn(a) === undefined);
      expect((await a.log.readStream(ACCOUNTS_STREAM)).map((e) => e.type)).toEqual([
        'AccountCreated',
        'StaffSignedIn',
        'StaffSignedOut',
      ]);
    });
  });
};
