import { type Challenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { afterEach, describe, expect, it } from 'vitest';
import { BASE_WORK, MAX_WORK, workFor } from '../../src/http/proof-of-work.js';
import { type AppRig, appRig, slotIdAt } from '../support/app-harness.js';
import { anna, HOUR, T0 } from '../support/fixtures.js';

// Hoarding from many networks: once more than HOLD_PRESSURE_PERCENT of a stylist's day is
// held, a new hold needs a solved proof of work (ALTCHA), bound to its slot and network,
// accepted once. A script that does not solve it gets a coded 4xx carrying the challenge.

const json = (response: { body: string }) => JSON.parse(response.body);
const TEN_HOURS = Array.from({ length: 10 }, (_, i) => anna(2 + i)); // Anna, 10:00–20:00 on one day
const ben = { stylist: 'Ben', startsAt: T0 + 2 * HOUR, endsAt: T0 + 3 * HOUR };
const benSlot = 'ben-20261205T1000Z';

let r: AppRig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
});

/** Solves a challenge as a script would (Node's SHA-256), as the `altcha` field to send. */
const solve = async (challenge: Challenge): Promise<string> => {
  const solution = await solveChallenge({ challenge, deriveKey });
  if (solution === null) throw new Error('could not solve');
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
};

/** Four of Anna's ten slots held, each by its own client on its own network: 40% of her day. */
const underPressure = async (percent = 30): Promise<AppRig> => {
  const rig = await appRig({ slots: [...TEN_HOURS, ben], settings: { holdPressurePercent: percent } });
  for (const h of [2, 3, 4, 5]) {
    const res = await rig.client({ ip: `198.51.100.${h}` }).post(`/api/timeslots/${slotIdAt(h)}/reserve`);
    expect(res.statusCode).toBe(200); // up to 30% held, holds are free
  }
  return rig;
};

describe('proof of work under hold pressure', () => {
  it('asks a reserve without a solution for one (428, with the challenge), and holds with one', async () => {
    r = await underPressure();
    const c = r.client({ ip: '203.0.113.50' });
    const position = r.rig.engine.models.position;
    const asked = await c.post(`/api/timeslots/${slotIdAt(6)}/reserve`);
    expect([asked.statusCode, json(asked).error]).toEqual([428, 'challenge_required']);
    const { challenge } = json(asked);
    expect(challenge).toMatchObject({ parameters: { algorithm: 'SHA-256', data: { slot: slotIdAt(6) } } });
    expect(typeof challenge.signature).toBe('string');
    expect(r.rig.engine.models.position).toBe(position); // nothing held

    const held = await c.post(`/api/timeslots/${slotIdAt(6)}/reserve`, { altcha: await solve(challenge) });
    expect(held.statusCode).toBe(200);
    expect(json(held).timeslot).toMatchObject({ id: slotIdAt(6), yours: true });
  });

  it('refuses a wrong, replayed, or borrowed solution (403 challenge_failed, with a new challenge)', async () => {
    r = await underPressure();
    const a = r.client({ ip: '203.0.113.60' });
    const { challenge } = json(await a.post(`/api/timeslots/${slotIdAt(7)}/reserve`));
    const altcha = await solve(challenge);

    // Tampered: a key that is not the one the work found.
    const decoded = JSON.parse(Buffer.from(altcha, 'base64').toString());
    decoded.solution.derivedKey = decoded.solution.derivedKey.replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
    const wrong = await a.post(`/api/timeslots/${slotIdAt(7)}/reserve`, {
      altcha: Buffer.from(JSON.stringify(decoded)).toString('base64'),
    });
    expect([wrong.statusCode, json(wrong).error]).toEqual([403, 'challenge_failed']);
    expect(json(wrong).challenge.parameters.data.slot).toBe(slotIdAt(7));
    // Garbage.
    const junk = await a.post(`/api/timeslots/${slotIdAt(7)}/reserve`, { altcha: 'bm90IGpzb24=' });
    expect([junk.statusCode, json(junk).error]).toEqual([403, 'challenge_failed']);
    // Spent on another slot, or from another network: it is bound to both.
    const elsewhere = await a.post(`/api/timeslots/${slotIdAt(8)}/reserve`, { altcha });
    expect([elsewhere.statusCode, json(elsewhere).error]).toEqual([403, 'challenge_failed']);
    const borrowed = await r.client({ ip: '203.0.113.61' }).post(`/api/timeslots/${slotIdAt(7)}/reserve`, { altcha });
    expect([borrowed.statusCode, json(borrowed).error]).toEqual([403, 'challenge_failed']);

    // Used once; released; replayed by another session on the same network: refused.
    expect((await a.post(`/api/timeslots/${slotIdAt(7)}/reserve`, { altcha })).statusCode).toBe(200);
    expect((await a.post(`/api/timeslots/${slotIdAt(7)}/cancel`)).statusCode).toBe(200);
    const replayed = await r.client({ ip: '203.0.113.60' }).post(`/api/timeslots/${slotIdAt(7)}/reserve`, { altcha });
    expect([replayed.statusCode, json(replayed).error]).toEqual([403, 'challenge_failed']);
    expect(json(replayed).message).toContain('already used');
  });

  it('prices a burst sent all at once as if it came one by one', async () => {
    r = await appRig({ slots: TEN_HOURS, settings: { holdPressurePercent: 30 } });
    const burst = await Promise.all(
      [2, 3, 4, 5, 6, 7, 8, 9].map((h) =>
        r?.client({ ip: `198.51.100.${h}` }).post(`/api/timeslots/${slotIdAt(h)}/reserve`),
      ),
    );
    const statuses = burst.map((res) => res?.statusCode);
    // One by one: free up to 30% held (four of ten), then a challenge for each new hold.
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 428)).toHaveLength(4);
  });

  it('counts a day booked within the hour as pressure: made-up bookings raise the price like holds', async () => {
    r = await appRig({ slots: TEN_HOURS, settings: { holdPressurePercent: 30 } });
    for (const h of [2, 3, 4, 5]) {
      const bot = r.client({ ip: `198.51.100.${h}` });
      expect((await bot.post(`/api/timeslots/${slotIdAt(h)}/reserve`)).statusCode).toBe(200);
      const booked = await bot.post(`/api/timeslots/${slotIdAt(h)}/book`, {
        customer: { name: 'Jo', phone: '0000000' },
      });
      expect(booked.statusCode).toBe(200);
    }
    const next = await r.client({ ip: '203.0.113.80' }).post(`/api/timeslots/${slotIdAt(6)}/reserve`);
    expect([next.statusCode, json(next).error]).toEqual([428, 'challenge_required']);
    // Bookings made over days are not pressure: an hour on, the same day costs nothing.
    await r.rig.advance(HOUR + 1);
    expect((await r.client({ ip: '203.0.113.81' }).post(`/api/timeslots/${slotIdAt(6)}/reserve`)).statusCode).toBe(200);
  });

  it('answers any malformed altcha with 403 challenge_failed, never a 5xx', async () => {
    r = await underPressure();
    const a = r.client({ ip: '203.0.113.65' });
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
    const shapes = [
      'not base64 at all ***',
      b64(null),
      b64([1, 2]),
      b64('text'),
      b64({ challenge: null, solution: {} }),
      b64({ challenge: { parameters: null }, solution: {} }),
      b64({ challenge: { parameters: [] }, solution: {} }),
      b64({ challenge: { parameters: { nonce: 5 } }, solution: {} }),
      b64({ challenge: { parameters: { nonce: 'n', data: 'x' } }, solution: {} }),
      b64({ challenge: { parameters: { nonce: 'n', data: { slot: slotIdAt(6) } } }, solution: null }),
      b64({
        challenge: { parameters: { nonce: 'n', data: { slot: slotIdAt(6), network: 1 } } },
        solution: { counter: 'x' },
      }),
      b64({ challenge: { parameters: { nonce: 'n', salt: 5, data: {} }, signature: 7 }, solution: { derivedKey: [] } }),
    ];
    for (const altcha of shapes) {
      const res = await a.post(`/api/timeslots/${slotIdAt(6)}/reserve`, { altcha });
      expect([altcha, res.statusCode, json(res).error]).toEqual([altcha, 403, 'challenge_failed']);
    }
  });

  it('asks nothing below the threshold, on another stylist’s day, for a taken slot, or with HOLD_PRESSURE_PERCENT=0', async () => {
    r = await underPressure();
    expect((await r.client({ ip: '203.0.113.70' }).post(`/api/timeslots/${benSlot}/reserve`)).statusCode).toBe(200);
    const taken = await r.client({ ip: '203.0.113.71' }).post(`/api/timeslots/${slotIdAt(2)}/reserve`);
    expect([taken.statusCode, json(taken).error]).toEqual([409, 'slot_taken']);
    await r.dispose();

    r = await underPressure(50); // 40% held: under a 50% threshold
    expect((await r.client({ ip: '203.0.113.72' }).post(`/api/timeslots/${slotIdAt(6)}/reserve`)).statusCode).toBe(200);
    await r.dispose();

    r = await underPressure(0); // off
    for (const h of [6, 7, 8, 9, 10, 11]) {
      expect((await r.client({ ip: `203.0.113.${h}` }).post(`/api/timeslots/${slotIdAt(h)}/reserve`)).statusCode).toBe(
        200,
      );
    }
  });
});

describe('the price of a hold', () => {
  it('is nothing up to the threshold, then doubles every ten points, up to a cap', () => {
    const at = (held: number) => workFor({ held, bookable: 100 }, 30);
    expect([at(0), at(30)]).toEqual([undefined, undefined]);
    expect(at(31)).toBeGreaterThan(BASE_WORK);
    expect(at(40)).toBe(2 * BASE_WORK);
    expect(at(50)).toBe(4 * BASE_WORK);
    expect(at(100)).toBe(MAX_WORK);
    expect(workFor({ held: 10, bookable: 10 }, 0)).toBeUndefined();
    expect(workFor({ held: 0, bookable: 0 }, 30)).toBeUndefined();
  });
});

describe('proof of work for an appointment of several slots', () => {
  it('prices a long hold as if its other slots were held: free for one slot, a challenge for four', async () => {
    // Two of Anna's ten hours held (20%): a one-slot hold is free, a four-hour one would make it 50%.
    r = await appRig({ slots: [...TEN_HOURS, ben], settings: { holdPressurePercent: 30 } });
    for (const h of [2, 3]) {
      expect((await r.client({ ip: `198.51.100.${h}` }).post(`/api/timeslots/${slotIdAt(h)}/reserve`)).statusCode).toBe(
        200,
      );
    }
    await r.owner('POST', '/api/admin/services', { name: 'Long colour', duration_minutes: 240, stylists: ['Anna'] });
    const c = r.client({ ip: '203.0.113.80' });
    const long = await c.post(`/api/timeslots/${slotIdAt(5)}/reserve`, { service: 'long-colour' });
    expect([long.statusCode, json(long).error]).toEqual([428, 'challenge_required']);
    const solved = await c.post(`/api/timeslots/${slotIdAt(5)}/reserve`, {
      service: 'long-colour',
      altcha: await solve(json(long).challenge),
    });
    expect(solved.statusCode).toBe(200);
    expect(json(solved).hold.slot_ids).toHaveLength(4);
    const short = await r.client({ ip: '203.0.113.81' }).post(`/api/timeslots/${slotIdAt(4)}/reserve`);
    expect([short.statusCode, json(short).error]).toEqual([428, 'challenge_required']); // 60% held now
  });
});
