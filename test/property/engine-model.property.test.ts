import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slotIdFor } from '../../machines/index.js';
import { checkLog, describeViolations, type SlotSummary } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { OWNER, type Rig, sqliteRig } from '../support/engine-harness.js';
import { anna, T0 } from '../support/fixtures.js';

// (a) Model-based: random sequences of reserve / book / cancel / close / reopen /
// cancel-booking / advance-clock / restart by several clients over a few slots, on the
// real SQLite file, checked after every step against a plain model of what should be.
// c0 and c1 share a network: a hold one of them released cools the slot down for both.

const HOLD = 180_000;
const COOLDOWN = 120_000;
const MAX_HOLDS = 2;
const CLIENTS = ['c0', 'c1', 'c2'] as const;
const NETWORK: Record<string, string> = { c0: 'n0', c1: 'n0', c2: 'n1' };
const networkOf = (client: string): string => NETWORK[client] ?? 'n?';
const SLOTS = [4, 5, 6].map((h) => slotIdFor('Anna', anna(h).startsAt));
const customer = { name: 'Ada', email: 'ada@example.com' };

type ModelSlot = { status: SlotSummary['status']; client?: string; expiresAt?: number };
/** Per slot: whose holds ended, and until when they may not hold it again. */
type Ended = Array<{ client: string; until: number }>;
type Model = { now: number; slots: Map<string, ModelSlot>; ended: Map<string, Ended> };
type Outcome = 'ok' | string;

const outcomeOf = async (p: Promise<unknown>): Promise<Outcome> =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? `unexpected: ${String(e)}`,
  );

const liveHolds = (m: Model, client: string) =>
  [...m.slots.values()].filter((s) => s.status === 'reserved' && s.client === client).length;

/** What the engine must answer and do, in the model's terms. */
const coolingDown = (m: Model, slotId: string, client: string): boolean =>
  (m.ended.get(slotId) ?? []).some((e) => NETWORK[e.client] === NETWORK[client] && m.now < e.until);

const ended = (m: Model, slotId: string, client: string, at: number): void => {
  m.ended.set(slotId, [...(m.ended.get(slotId) ?? []), { client, until: at + COOLDOWN }]);
};

const predict = {
  reserve(m: Model, client: string, slot: ModelSlot, slotId: string): Outcome {
    const mine = slot.status === 'reserved' && slot.client === client;
    if (!mine && liveHolds(m, client) >= MAX_HOLDS) return 'too_many_holds';
    if (slot.status === 'closed') return 'slot_closed';
    if (mine) return 'ok';
    if (slot.status !== 'available') return 'slot_taken';
    if (coolingDown(m, slotId, client)) return 'hold_cooldown';
    Object.assign(slot, { status: 'reserved', client, expiresAt: m.now + HOLD });
    return 'ok';
  },
  book(_m: Model, client: string, slot: ModelSlot): Outcome {
    if (slot.status === 'booked') return slot.client === client ? 'ok' : 'no_hold';
    if (slot.status !== 'reserved') return 'no_hold';
    if (slot.client !== client) return 'not_your_hold';
    slot.status = 'booked';
    delete slot.expiresAt;
    return 'ok';
  },
  cancelHold(m: Model, client: string, slot: ModelSlot, slotId: string): Outcome {
    if (slot.status !== 'reserved') return 'no_hold';
    if (slot.client !== client) return 'not_your_hold';
    ended(m, slotId, client, m.now);
    for (const k of ['client', 'expiresAt'] as const) delete slot[k];
    slot.status = 'available';
    return 'ok';
  },
};

const check = (m: Model, rig: Rig) => {
  for (const [id, expected] of m.slots) {
    const actual = rig.engine.models.availability.slots.get(id);
    expect({ id, status: actual?.status }).toEqual({ id, status: expected.status });
    if (expected.status === 'reserved') {
      expect(actual?.hold).toMatchObject({ clientId: expected.client, expiresAt: expected.expiresAt });
    }
    if (expected.status === 'booked') expect(actual?.booking?.clientId).toBe(expected.client);
  }
};

class ClientCommand implements fc.AsyncCommand<Model, Rig> {
  constructor(
    readonly op: 'reserve' | 'book' | 'cancelHold',
    readonly client: string,
    readonly slot: string,
  ) {}
  check = () => true;
  async run(m: Model, rig: Rig) {
    const slot = m.slots.get(this.slot) as ModelSlot;
    const expected = predict[this.op](m, this.client, slot, this.slot);
    const actual = await outcomeOf(
      this.op === 'reserve'
        ? rig.engine.reserve(this.slot, this.client, { network: networkOf(this.client) })
        : this.op === 'book'
          ? rig.engine.book(this.slot, this.client, customer)
          : rig.engine.cancelHold(this.slot, this.client),
    );
    expect(actual).toBe(expected);
    check(m, rig);
  }
  toString = () => `${this.op}(${this.client}, ${this.slot.slice(0, 8)}…${this.slot.slice(-6)})`;
}

class OwnerCommand implements fc.AsyncCommand<Model, Rig> {
  constructor(
    readonly op: 'close' | 'reopen' | 'cancelBooking',
    readonly slot: string,
  ) {}
  check = () => true;
  async run(m: Model, rig: Rig) {
    const slot = m.slots.get(this.slot) as ModelSlot;
    let expected: Outcome = 'ok';
    if (this.op === 'close') {
      if (slot.status === 'booked') expected = 'slot_booked';
      else m.slots.set(this.slot, { status: 'closed' });
    } else if (this.op === 'reopen') {
      if (slot.status === 'closed') m.slots.set(this.slot, { status: 'available' });
      else if (slot.status !== 'available') expected = 'not_closed';
    } else if (slot.status === 'booked') m.slots.set(this.slot, { status: 'available' });
    else expected = 'not_booked';
    const actual = await outcomeOf(
      this.op === 'close'
        ? rig.engine.close(this.slot, undefined, OWNER)
        : this.op === 'reopen'
          ? rig.engine.reopen(this.slot, OWNER)
          : rig.engine.cancelBooking(this.slot, { by: 'owner' }, OWNER),
    );
    expect(actual).toBe(expected);
    check(m, rig);
  }
  toString = () => `${this.op}(${this.slot.slice(-6)})`;
}

class AdvanceClock implements fc.AsyncCommand<Model, Rig> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, rig: Rig) {
    m.now += this.ms;
    for (const [id, s] of m.slots) {
      if (s.status === 'reserved' && (s.expiresAt ?? 0) <= m.now) {
        ended(m, id, s.client ?? '', s.expiresAt ?? 0);
        m.slots.set(id, { status: 'available' });
      }
    }
    await rig.advance(this.ms);
    check(m, rig);
  }
  toString = () => `advance(${this.ms}ms)`;
}

class Restart implements fc.AsyncCommand<Model, Rig> {
  check = () => true;
  async run(m: Model, rig: Rig) {
    const before = structuredClone([...rig.engine.models.availability.slots.entries()]);
    await rig.restart();
    expect([...rig.engine.models.availability.slots.entries()]).toEqual(before);
    check(m, rig);
  }
  toString = () => 'restart()';
}

const client = fc.constantFrom(...CLIENTS);
const slot = fc.constantFrom(...SLOTS);
const commands = [
  fc
    .tuple(fc.constantFrom('reserve', 'book', 'cancelHold'), client, slot)
    .map(([op, c, s]) => new ClientCommand(op, c, s)),
  fc.tuple(fc.constantFrom('reserve', 'book'), client, slot).map(([op, c, s]) => new ClientCommand(op, c, s)),
  fc.tuple(fc.constantFrom('close', 'reopen', 'cancelBooking'), slot).map(([op, s]) => new OwnerCommand(op, s)),
  fc.integer({ min: 1_000, max: 200_000 }).map((ms) => new AdvanceClock(ms)),
  fc.constant(new Restart()),
];

describe('engine against a model, on SQLite, with restarts (property a)', () => {
  it('answers and changes state exactly as the model says', async () => {
    const seed = Date.now() ^ (Math.random() * 0x7fffffff);
    console.log(`engine model property: seed ${seed} (fc.assert(…, { seed }) replays it)`);
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (cmds) => {
        const rig = await sqliteRig({ maxHoldsPerClient: MAX_HOLDS, holdCooldownSeconds: COOLDOWN / 1_000 });
        try {
          for (let h = 4; h <= 6; h += 1) await rig.engine.open(anna(h), OWNER);
          const model: Model = {
            now: T0,
            slots: new Map(SLOTS.map((id) => [id, { status: 'available' }])),
            ended: new Map(),
          };
          await fc.asyncModelRun(() => ({ model, real: rig }), cmds);
          expect(describeViolations(checkLog(await readWholeLog(rig.log), rig.clock.now()).violations)).toEqual([]);
        } finally {
          await rig.dispose();
        }
      }),
      { numRuns: 200, seed },
    );
  });
});
