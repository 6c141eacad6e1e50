import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slotIdFor } from '../../machines/index.js';
import { checkLog, describeViolations } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { OWNER, type Rig, sqliteRig } from '../support/engine-harness.js';
import { HOUR, MINUTE, T0 } from '../support/fixtures.js';

// (a′) Model-based, for services of 1–6 slots: random sequences of reserve (a run) / book /
// release / close / reopen / cancel / reschedule / advance-clock / restart by three clients
// over six 15-minute slots, on the real SQLite file, each answer and every slot's state
// checked after every step against a plain model in which an appointment is one thing.

const SEED = Number(process.env.SEED ?? Date.now() % 2 ** 31);
const HOLD = 180_000;
const MAX_HOLDS = 2;
const Q = 15 * MINUTE;
const QUARTERS = [0, 1, 2, 3, 4, 5].map((n) => ({
  stylist: 'Anna',
  startsAt: T0 + 4 * HOUR + n * Q,
  endsAt: T0 + 4 * HOUR + (n + 1) * Q,
}));
const IDS = QUARTERS.map((q) => slotIdFor(q.stylist, q.startsAt));
const customer = { name: 'Ada', email: 'ada@example.com' };

type Appointment = { client: string; slots: number[]; status: 'reserved' | 'booked'; expiresAt: number };
type Model = {
  now: number;
  closed: Set<number>;
  /** slot index → the appointment on it (the same object on each of its slots). */
  on: Map<number, Appointment>;
};
type Outcome = 'ok' | string;

const outcomeOf = async (p: Promise<unknown>): Promise<Outcome> =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? `unexpected: ${String(e)}`,
  );

const appointmentsOf = (m: Model): Appointment[] => [...new Set(m.on.values())];
const free = (m: Model, a: Appointment) => {
  for (const i of a.slots) m.on.delete(i);
};
const range = (start: number, length: number): number[] =>
  Array.from({ length }, (_, k) => start + k).filter((i) => i < IDS.length);

/** Why the run from `start` cannot be claimed by `client` (vacating `leaving`), in the order the engine checks. */
const claimRefusal = (m: Model, slots: number[], leaving: Set<number>): Outcome | undefined => {
  for (const [k, i] of slots.entries()) {
    if (leaving.has(i)) continue;
    if (m.closed.has(i)) return k === 0 ? 'slot_closed' : 'slot_taken';
    if (m.on.has(i)) return 'slot_taken';
  }
  return undefined;
};

const predict = {
  reserve(m: Model, client: string, start: number, length: number): Outcome {
    const slots = range(start, length);
    const held = appointmentsOf(m).filter((a) => a.status === 'reserved' && a.client === client);
    const asking = held.some((a) => a.slots[0] === start);
    if (!asking && held.length >= MAX_HOLDS) return 'too_many_holds'; // caps come first
    const first = m.on.get(start);
    if (first !== undefined && (first.status === 'booked' || first.client !== client)) return 'slot_taken'; // the gate
    const same = first !== undefined && first.slots.join() === slots.join() && first.status === 'reserved';
    if (same) return 'ok'; // your own appointment, unchanged
    if (slots.length < length) return 'service_does_not_fit';
    const refused = claimRefusal(m, slots, new Set());
    if (refused !== undefined) return refused;
    const a: Appointment = { client, slots, status: 'reserved', expiresAt: m.now + HOLD };
    for (const i of slots) m.on.set(i, a);
    return 'ok';
  },
  book(m: Model, client: string, slot: number): Outcome {
    const a = m.on.get(slot);
    if (a === undefined) return 'no_hold';
    if (a.status === 'booked') return a.client === client ? 'ok' : 'no_hold';
    if (a.client !== client) return 'not_your_hold';
    a.status = 'booked';
    return 'ok';
  },
  cancelHold(m: Model, client: string, slot: number): Outcome {
    const a = m.on.get(slot);
    if (a === undefined || a.status !== 'reserved') return 'no_hold';
    if (a.client !== client) return 'not_your_hold';
    free(m, a);
    return 'ok';
  },
  move(m: Model, client: string, to: number): Outcome {
    const a = appointmentsOf(m).find((x) => x.status === 'booked' && x.client === client);
    if (a === undefined) return 'not_booked';
    const slots = range(to, a.slots.length);
    if (slots.length < a.slots.length) return 'service_does_not_fit';
    if (slots.join() === a.slots.join()) return 'ok';
    const refused = claimRefusal(m, slots, new Set(a.slots));
    if (refused !== undefined) return refused;
    free(m, a);
    a.slots = slots;
    for (const i of slots) m.on.set(i, a);
    return 'ok';
  },
};

const check = (m: Model, rig: Rig) => {
  IDS.forEach((id, i) => {
    const actual = rig.engine.models.availability.slots.get(id);
    const a = m.on.get(i);
    const status = m.closed.has(i) ? 'closed' : (a?.status ?? 'available');
    expect({ slot: i, status: actual?.status }).toEqual({ slot: i, status });
    if (a?.status === 'reserved') {
      expect(actual?.hold).toMatchObject({ clientId: a.client, expiresAt: a.expiresAt });
      expect(actual?.hold?.appointment?.slotIds).toEqual(a.slots.map((k) => IDS[k]));
    }
    if (a?.status === 'booked') {
      expect(actual?.booking?.clientId).toBe(a.client);
      expect(actual?.booking?.appointment?.slotIds).toEqual(a.slots.map((k) => IDS[k]));
    }
  });
};

type Command = fc.AsyncCommand<Model, Rig>;
const command = (label: string, run: (m: Model, rig: Rig) => Promise<void>): Command => ({
  check: () => true,
  run: async (m, rig) => {
    await run(m, rig);
    check(m, rig);
  },
  toString: () => label,
});

const expectOutcome = async (actual: Promise<unknown>, expected: Outcome) =>
  expect(await outcomeOf(actual)).toBe(expected);

const client = fc.constantFrom('c0', 'c1', 'c2');
const slot = fc.nat(5);
const commands = [
  fc.tuple(client, slot, fc.integer({ min: 1, max: 6 })).map(([c, start, length]) =>
    command(`reserve(${c}, ${start}, ${length})`, async (m, rig) => {
      const expected = predict.reserve(m, c, start, length);
      const slotIds = range(start, length).map((i) => IDS[i] ?? '');
      const service = { id: `q${length}`, name: `${length} quarters`, durationMinutes: 15 * length };
      await expectOutcome(rig.engine.reserve(IDS[start] ?? '', c, {}, { slotIds, service }), expected);
    }),
  ),
  fc.tuple(fc.constantFrom('book', 'cancelHold'), client, slot).map(([op, c, s]) =>
    command(`${op}(${c}, ${s})`, async (m, rig) => {
      const expected = op === 'book' ? predict.book(m, c, s) : predict.cancelHold(m, c, s);
      const id = IDS[s] ?? '';
      await expectOutcome(op === 'book' ? rig.engine.book(id, c, customer) : rig.engine.cancelHold(id, c), expected);
    }),
  ),
  fc.tuple(fc.constantFrom('close', 'reopen', 'cancelBooking'), slot).map(([op, s]) =>
    command(`${op}(${s})`, async (m, rig) => {
      const a = m.on.get(s);
      let expected: Outcome = 'ok';
      if (op === 'close') {
        if (a?.status === 'booked') expected = 'slot_booked';
        else {
          if (a !== undefined) free(m, a); // closing one slot ends the whole hold
          m.closed.add(s);
        }
      } else if (op === 'reopen') {
        if (m.closed.has(s)) m.closed.delete(s);
        else if (a !== undefined) expected = 'not_closed';
      } else if (a?.status === 'booked') free(m, a);
      else expected = 'not_booked';
      const id = IDS[s] ?? '';
      await expectOutcome(
        op === 'close'
          ? rig.engine.close(id, undefined, OWNER)
          : op === 'reopen'
            ? rig.engine.reopen(id, OWNER)
            : rig.engine.cancelBooking(id, { by: 'owner' }, OWNER),
        expected,
      );
    }),
  ),
  fc.tuple(client, slot).map(([c, to]) =>
    command(`reschedule(${c}, ${to})`, async (m, rig) => {
      const expected = predict.move(m, c, to);
      const booking = [...rig.engine.models.bookings.byId.values()].find(
        (b) => b.clientId === c && b.status === 'confirmed',
      );
      const slotIds = range(to, booking?.slotIds.length ?? 1).map((i) => IDS[i] ?? '');
      await expectOutcome(
        rig.engine.reschedule(booking?.bookingId ?? 'none', slotIds, { by: 'client' }, OWNER),
        expected,
      );
    }),
  ),
  fc.integer({ min: 1_000, max: 200_000 }).map((ms) =>
    command(`advance(${ms}ms)`, async (m, rig) => {
      m.now += ms;
      for (const a of appointmentsOf(m)) if (a.status === 'reserved' && a.expiresAt <= m.now) free(m, a);
      await rig.advance(ms);
    }),
  ),
  fc.constant(
    command('restart()', async (_m, rig) => {
      const before = structuredClone([...rig.engine.models.availability.slots.entries()]);
      await rig.restart();
      expect([...rig.engine.models.availability.slots.entries()]).toEqual(before);
    }),
  ),
];

describe('appointments against a model, on SQLite, with restarts (property a′)', () => {
  it('answers and changes every slot of every appointment exactly as the model says', async () => {
    console.log(`appointments model property: seed ${SEED} (SEED=… replays it)`);
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (cmds) => {
        const rig = await sqliteRig({ maxHoldsPerClient: MAX_HOLDS, holdCooldownSeconds: 0 });
        try {
          await rig.engine.openMany(QUARTERS, OWNER);
          const model: Model = { now: T0, closed: new Set(), on: new Map() };
          await fc.asyncModelRun(() => ({ model, real: rig }), cmds);
          expect(describeViolations(checkLog(await readWholeLog(rig.log), rig.clock.now()).violations)).toEqual([]);
        } finally {
          await rig.dispose();
        }
      }),
      { numRuns: 150, seed: SEED },
    );
  });
});
