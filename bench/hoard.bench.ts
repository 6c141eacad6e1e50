import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { Agent, fetch } from 'undici';
import { BASE_WORK, createProofOfWork, MAX_WORK } from '../src/http/proof-of-work.js';
import { startHoldfast } from './lib/processes.js';
import { round } from './lib/stats.js';

// What it takes a bot to keep a whole day held: a day of three stylists (24 one-hour slots),
// the caps as shipped (2 holds per session, 10 per network), each network five sessions,
// every network its own loopback address. Holds are scaled down to a few seconds so a run
// takes a minute; what scales with time (holds per hour, CPU per hour) is computed for the
// real 180-second hold from what was measured.
//
// - before: holds renewable (release and reserve again: HOLD_COOLDOWN_SECONDS=0);
// - after: the cool-down, with the same addresses, and with twice as many taking turns;
// - the proof of work, measured as a bot pays it: Node's SHA-256 solving the server's own
//   challenges at the threshold and at the pressure a bot holding the whole day meets.
// PoW is off in the bot runs (HOLD_PRESSURE_PERCENT=0): its price is the measured CPU.

export type HoardFigures = {
  slots: number;
  holdSeconds: number;
  runs: Array<{ label: string; addresses: number; heldShare: number }>;
  powCpuMs: { threshold: number; wholeDayHeld: number };
  /** For the real hold length (180 s): holds a bot must take per hour, and the CPU they cost. */
  perHour: { holds: number; cpuMinutes: number };
};

const STYLISTS = ['Anna', 'Ben', 'Chloé'];
const HOURS_A_DAY = 8;
const SESSIONS_PER_NETWORK = 5;
const HOLDS_PER_NETWORK = 10;
const OWNER_TOKEN = 'bench-owner-token-0123456789abcdef';

type Client = { agent: Agent; cookie?: string | undefined };
const call = async (base: string, client: Client, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    dispatcher: client.agent,
    headers: {
      ...(client.cookie !== undefined && { cookie: client.cookie }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      authorization: `Bearer ${OWNER_TOKEN}`,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const set = res.headers.get('set-cookie');
  if (set?.startsWith('hf_session=')) client.cookie = set.split(';')[0];
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const pause = (ms: number) => new Promise((done) => setTimeout(done, Math.max(0, ms)));

/** One bot run: `groups` sets of networks take turns on every slot; returns the share of slot-time held. */
const botRun = async (options: {
  cooldown: boolean;
  groups: number;
  holdSeconds: number;
  periods: number;
}): Promise<{ addresses: number; heldShare: number }> => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-hoard-'));
  const server = await startHoldfast(dir, {
    OWNER_TOKEN,
    HOLD_SECONDS: String(options.holdSeconds),
    HOLD_COOLDOWN_SECONDS: options.cooldown ? String(options.holdSeconds) : '0',
    MAX_HOLDS_PER_CLIENT: '2',
    MAX_HOLDS_PER_IP: String(HOLDS_PER_NETWORK),
  });
  const agents: Agent[] = [];
  const agent = (ip: string) => {
    const a = new Agent({ localAddress: ip });
    agents.push(a);
    return a;
  };
  try {
    const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const owner: Client = { agent: agent('127.0.0.1') };
    const timeslots = STYLISTS.flatMap((stylist) =>
      Array.from({ length: HOURS_A_DAY }, (_, h) => ({
        stylist,
        start_time: `${day}T${String(9 + h).padStart(2, '0')}:00:00Z`,
        end_time: `${day}T${String(10 + h).padStart(2, '0')}:00:00Z`,
      })),
    );
    await call(server.base, owner, 'POST', '/api/admin/timeslots', { timeslots });
    const window = `from=${day}T00:00:00Z&to=${day}T23:59:00Z`;
    const listed = (await call(server.base, owner, 'GET', `/api/admin/timeslots?${window}`)).body;
    const slotIds = (listed as unknown as Array<{ id: string }>).map((s) => s.id);

    // Networks per group: enough for every slot under the per-network cap.
    const perGroup = Math.ceil(slotIds.length / HOLDS_PER_NETWORK);
    const sessions = Array.from({ length: options.groups * perGroup }, (_, n) => {
      const ip = `127.0.${20 + Math.floor(n / 200)}.${(n % 200) + 1}`;
      return Array.from({ length: SESSIONS_PER_NETWORK }, (): Client => ({ agent: agent(ip) }));
    });
    const holderOf = (slot: number, group: number): Client =>
      sessions[group * perGroup + Math.floor(slot / HOLDS_PER_NETWORK)]?.[Math.floor((slot % HOLDS_PER_NETWORK) / 2)] ??
      owner;

    const ends = Date.now() + options.periods * options.holdSeconds * 1_000;
    let stopped = false;
    // Each slot: hold it; just before (renewable) or just after (not) the deadline, the next turn.
    const keep = async (slot: number): Promise<void> => {
      const id = slotIds[slot] ?? '';
      for (let turn = 0; !stopped; ) {
        const client = holderOf(slot, turn % options.groups);
        const held = await call(server.base, client, 'POST', `/api/timeslots/${id}/reserve`);
        if (held.status !== 200) {
          await pause(100);
          continue;
        }
        const deadline = Date.parse(String(held.body.expires_at));
        if (!options.cooldown) {
          await pause(deadline - Date.now() - 300);
          await call(server.base, client, 'POST', `/api/timeslots/${id}/cancel`);
        } else {
          await pause(deadline - Date.now() + 20);
          turn += 1;
        }
      }
    };
    const observer: Client = { agent: agent('127.0.0.2') };
    const samples: number[] = [];
    const observe = async (): Promise<void> => {
      await pause(options.holdSeconds * 1_000); // the first turn settles
      while (Date.now() < ends) {
        const slots = (await call(server.base, observer, 'GET', `/api/timeslots?include=all&${window}`))
          .body as unknown as Array<{ status: string }>;
        samples.push(slots.filter((s) => s.status !== 'available').length / slots.length);
        await pause(100);
      }
      stopped = true;
    };
    await Promise.all([observe(), ...slotIds.map((_, i) => keep(i))]);
    const heldShare = samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length);
    return { addresses: options.groups * perGroup, heldShare: Math.round(heldShare * 1_000) / 1_000 };
  } finally {
    await server.stop();
    await Promise.all(agents.map((a) => a.close()));
    rmSync(dir, { recursive: true, force: true });
  }
};

/** CPU milliseconds a Node bot spends solving one of the server's challenges of `work`. */
const solveCpuMs = async (work: number, times: number): Promise<number> => {
  const pow = createProofOfWork('bench-secret-0123456789abcdef0123456789');
  let total = 0;
  for (let i = 0; i < times; i += 1) {
    const challenge = await pow.challenge('anna-20301205T1000Z', 'bench-network', work);
    const before = process.cpuUsage();
    if ((await solveChallenge({ challenge, deriveKey })) === null) throw new Error('unsolved');
    const used = process.cpuUsage(before);
    total += (used.user + used.system) / 1_000;
  }
  return round(total / times);
};

export const benchHoard = async (options: { holdSeconds: number; periods: number; solves: number }) => {
  const run = (cooldown: boolean, groups: number) =>
    botRun({ cooldown, groups, holdSeconds: options.holdSeconds, periods: options.periods });
  const runs: HoardFigures['runs'] = [];
  for (const [label, cooldown, groups] of [
    ['before: holds renewable', false, 1],
    ['after: the same addresses, cool-down', true, 1],
    ['after: twice the addresses taking turns', true, 2],
  ] as const) {
    runs.push({ label, ...(await run(cooldown, groups)) });
  }
  // A bot holding the whole day re-takes a slot while the stylist's other 7 of 8 are held:
  // 87.5% pressure, which costs the most there is.
  const powCpuMs = {
    threshold: await solveCpuMs(BASE_WORK, options.solves),
    wholeDayHeld: await solveCpuMs(MAX_WORK, Math.max(1, Math.ceil(options.solves / 3))),
  };
  const slots = STYLISTS.length * HOURS_A_DAY;
  const holds = slots * (3_600 / 180);
  return {
    slots,
    holdSeconds: options.holdSeconds,
    runs,
    powCpuMs,
    perHour: { holds, cpuMinutes: Math.round((holds * powCpuMs.wholeDayHeld) / 6_000) / 10 },
  } satisfies HoardFigures;
};
