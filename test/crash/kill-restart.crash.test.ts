import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLog, describeViolations } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { createSqliteLog } from '../../src/eventlog/sqlite.js';
import { tempDir } from '../support/fixtures.js';
import { seededRandom } from '../support/random.js';
import { assertBuilt, browser, type Json, type ServerProcess, startServer } from '../support/server-process.js';

// The crash tier: the real server on a SQLite log, clients reserving, booking and releasing
// across many slots, single slots and appointments of several, and SIGKILL at a random moment — CRASH_CYCLES times (20 by default).
// After each restart, what was acknowledged must be there exactly: every booking answered
// 200 with its reference, every hold answered 200 still live with its original deadline
// (unless that has passed), every release answered 200 gone; and the whole log must pass
// the verifier. A request cut by the kill proves nothing either way. SEED replays a run.

const CYCLES = Number(process.env.CRASH_CYCLES ?? 20);
const WORKERS = 12;
const HOLD_SECONDS = 30;
const OWNER_TOKEN = 'crash-tier-owner-token-0123456789abcdef';
const MAX_READY_MS = 15_000;
const SLACK_MS = 2_000; // clock slack between this process and the server's timers
const STYLISTS = ['Ana', 'Ben', 'Cleo', 'Dev', 'Eli', 'Fay', 'Gus', 'Hal'];

const random = seededRandom();
const dir = tempDir('holdfast-crash-');
const env = {
  DATA_DIR: dir.path,
  HOLD_SECONDS: String(HOLD_SECONDS),
  DEMO: '0',
  OWNER_TOKEN,
  RATE_LIMIT_PER_MINUTE: '0',
  MAX_HOLDS_PER_IP: '10000',
  // Random clients from one address hold most of the day and take slots back after releases.
  HOLD_PRESSURE_PERCENT: '0',
  HOLD_COOLDOWN_SECONDS: '0',
  MAX_CONNECTIONS_PER_IP: '0',
};

/** What this client was told about a slot, and so what the server must still show. */
type Expectation =
  | { kind: 'held'; expiresAt: string }
  | { kind: 'booked'; reference: string }
  | { kind: 'released'; expiresAt: string }
  | { kind: 'unknown'; expiresAt: string }; // a book or release cut by the kill

const expected = new Map<string, Expectation>();
const tally = { holds: 0, appointments: 0, bookings: 0, releases: 0, cut: 0, maxReadyMs: 0 };
const zone = 'Europe/London';
const days = Array.from({ length: 14 }, (_, i) =>
  DateTime.now()
    .setZone(zone)
    .plus({ days: i + 1 })
    .toISODate(),
);

const owner = (base: string) => browser(base, {}, { authorization: `Bearer ${OWNER_TOKEN}` });

/** The menu: half the clients ask for a service, which is a run of 30-minute slots. */
const SERVICES = [
  { name: 'Cut', duration_minutes: 30 },
  { name: 'Cut and blow-dry', duration_minutes: 60 },
  { name: 'Colour', duration_minutes: 90 },
];
const SERVICE_IDS = ['cut', 'cut-and-blow-dry', 'colour'];

/**
 * One client session after another: find a free slot (or where a service can start), hold
 * it, then book, release or leave it. What it was told goes for every slot of the hold.
 */
const worker = async (base: string, killed: () => boolean): Promise<void> => {
  while (!killed()) {
    const client = browser(base);
    const service = random.next() < 0.5 ? random.pick(SERVICE_IDS) : undefined;
    const query =
      `/api/timeslots?date=${random.pick(days)}&stylist=${random.pick(STYLISTS)}` +
      (service === undefined ? '' : `&service=${service}`);
    const slots = (await client.call('GET', query)).body as unknown as Array<{ id: string; status: string }>;
    const slot = random.pick(slots.filter((s) => s.status === 'available'));
    if (slot === undefined) continue;
    const held = await client.call(
      'POST',
      `/api/timeslots/${slot.id}/reserve`,
      service === undefined ? {} : { service },
    );
    if (held.status !== 200) continue;
    const expiresAt = String(held.body.expires_at);
    const covered = (held.body.hold as { slot_ids: string[] }).slot_ids;
    const told = (want: Expectation) => {
      for (const id of covered) expected.set(id, want);
    };
    told({ kind: 'held', expiresAt });
    tally.holds += 1;
    if (covered.length > 1) tally.appointments += 1;
    const roll = random.next();
    if (roll < 0.2) continue; // leave it to lapse
    told({ kind: 'unknown', expiresAt });
    const any = random.pick(covered) ?? slot.id; // an appointment answers to any of its slots
    if (roll < 0.35) {
      const released = await client.call('POST', `/api/timeslots/${any}/cancel`, {});
      told(released.status === 200 ? { kind: 'released', expiresAt } : { kind: 'held', expiresAt });
      if (released.status === 200) tally.releases += 1;
      continue;
    }
    const booked = await client.call('POST', `/api/timeslots/${any}/book`, {
      customer: { name: `Client ${slot.id}`, phone: '07700 900123' },
    });
    if (booked.status === 200) {
      told({ kind: 'booked', reference: String(booked.body.booking?.reference) });
      tally.bookings += 1;
    } else told({ kind: 'held', expiresAt });
  }
};

/** Everything acknowledged is there, exactly as told. */
const checkAcknowledged = async (base: string): Promise<string[]> => {
  const now = Date.now();
  const bookings = (await owner(base).call('GET', '/api/admin/bookings')).body.bookings as Json[];
  const bySlot = new Map(
    bookings
      .filter((b) => b.status === 'confirmed')
      .flatMap((b) => (b.slot_ids as string[]).map((id) => [id, b] as const)),
  );
  const holds = (await owner(base).call('GET', '/api/admin/holds')).body.holds as Json[];
  const holdDeadline = new Map(holds.map((h) => [String(h.id), String(h.hold?.expires_at)]));
  const problems: string[] = [];
  for (const [slotId, want] of expected) {
    const booking = bySlot.get(slotId);
    const deadline = holdDeadline.get(slotId);
    if (want.kind === 'booked') {
      if (booking?.reference !== want.reference || booking.status !== 'confirmed') {
        problems.push(
          `${slotId}: acknowledged booking ${want.reference} is missing (found ${JSON.stringify(booking)})`,
        );
      }
      continue;
    }
    if (booking !== undefined && want.kind !== 'unknown') {
      problems.push(`${slotId}: booked as ${booking.reference}, but the client never booked it`);
    }
    const lapsed = Date.parse(want.expiresAt) < now - SLACK_MS;
    const live = Date.parse(want.expiresAt) > now + SLACK_MS;
    if (want.kind === 'held' && live && deadline !== want.expiresAt) {
      problems.push(`${slotId}: acknowledged hold until ${want.expiresAt} shows ${deadline ?? 'no hold'}`);
    }
    if ((want.kind === 'held' || want.kind === 'unknown') && lapsed && deadline === want.expiresAt) {
      problems.push(`${slotId}: hold that lapsed at ${want.expiresAt} is still live`);
    }
    if (want.kind === 'released' && deadline === want.expiresAt) {
      problems.push(`${slotId}: hold released with a 200 is still live`);
    }
  }
  return problems;
};

const logProblems = async (): Promise<string[]> => {
  const log = createSqliteLog({ path: join(dir.path, 'holdfast.db'), readonly: true });
  try {
    return describeViolations(checkLog(await readWholeLog(log), Date.now() - SLACK_MS).violations);
  } finally {
    await log.close();
  }
};

const boot = async (): Promise<ServerProcess> => {
  const started = Date.now();
  const server = await startServer(env);
  const readyMs = Date.now() - started;
  tally.maxReadyMs = Math.max(tally.maxReadyMs, readyMs);
  expect(readyMs, 'ready again within a bounded time').toBeLessThan(MAX_READY_MS);
  return server;
};

beforeAll(assertBuilt);
afterAll(() => dir.remove());

describe(`crash tier: ${CYCLES} SIGKILL cycles (SEED=${random.seed})`, () => {
  it('loses nothing acknowledged and never double-books, whenever the process dies', {
    timeout: 60_000 + CYCLES * 10_000,
  }, async () => {
    const first = await boot();
    const opened = await owner(first.base).call('POST', '/api/admin/timeslots', {
      template: {
        hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ['08:00-20:00']])),
        slot_minutes: 30,
        stylists: STYLISTS,
        from: days[0],
        to: days.at(-1),
      },
    });
    expect(opened.status).toBe(201);
    expect(opened.body.opened).toBeGreaterThan(2_000);
    for (const service of SERVICES) {
      expect((await owner(first.base).call('POST', '/api/admin/services', service)).status).toBe(201);
    }

    let server = first;
    for (let cycle = 1; cycle <= CYCLES; cycle += 1) {
      let killed = false;
      const workers = Array.from({ length: WORKERS }, () =>
        worker(server.base, () => killed).catch(() => {
          tally.cut += 1; // the kill cut this client's request: indeterminate, not a failure
        }),
      );
      await new Promise((r) => setTimeout(r, random.int(100, 900)));
      killed = true;
      server.proc.kill('SIGKILL');
      await server.exited();
      await Promise.all(workers);

      server = await boot();
      const problems = [...(await checkAcknowledged(server.base)), ...(await logProblems())];
      expect(problems, `cycle ${cycle}, SEED=${random.seed}`).toEqual([]);
    }
    server.proc.kill('SIGKILL');
    await server.exited();
    console.info(
      `crash tier: ${CYCLES} kills, ${tally.holds} holds (${tally.appointments} of several slots), ${tally.bookings} bookings and ${tally.releases} releases ` +
        `acknowledged, ${tally.cut} requests cut; slowest restart to ready ${tally.maxReadyMs} ms (SEED=${random.seed})`,
    );
    expect(tally.bookings).toBeGreaterThan(CYCLES); // the load really ran
    expect(tally.appointments).toBeGreaterThan(CYCLES);
  });
});
