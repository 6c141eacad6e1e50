import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { planSlots, writeHistory } from './lib/history.js';
import { startHoldfast } from './lib/processes.js';
import { latencyOf, round } from './lib/stats.js';

// WebSocket fan-out: N live clients on /api/live; one client reserves a slot over HTTP and
// we time until the last of the N has the change. The clock starts when the reserve is sent,
// so the figure is an upper bound on commit → last client (it includes the HTTP request and
// the append itself). All clients share this process, as a browser fleet cannot.

export type FanoutRun = {
  clients: number;
  rounds: number;
  lastClientMs: { p50: number; max: number };
  firstClientMs: number;
};
export type FanoutFigures = FanoutRun[];

type Client = { socket: WebSocket; heard: (slotId: string) => Promise<number> };

const connect = (url: string): Promise<Client> =>
  new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const waiting = new Map<string, (at: number) => void>();
    socket.on('message', (data) => {
      const at = performance.now();
      const message = JSON.parse(String(data)) as { type: string; timeslot?: { id: string } };
      if (message.type === 'snapshot') resolve({ socket, heard });
      if (message.type === 'slot' && message.timeslot !== undefined) waiting.get(message.timeslot.id)?.(at);
    });
    socket.once('error', reject);
    const heard = (slotId: string) => new Promise<number>((done) => waiting.set(slotId, done));
  });

const connectMany = async (url: string, count: number): Promise<Client[]> => {
  const clients: Client[] = [];
  for (let i = 0; i < count; i += 250) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(250, count - i) }, () => connect(url)))));
  }
  return clients;
};

export const benchFanout = async (options: { clients: number[]; rounds: number }): Promise<FanoutFigures> => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-fanout-'));
  const slots = planSlots(options.rounds * options.clients.length, Date.now() + 86_400_000, 2);
  await writeHistory(join(dir, 'holdfast.db'), slots, 1, Date.now() - 3_600_000);
  const server = await startHoldfast(dir);
  const clients: Client[] = [];
  const figures: FanoutFigures = [];
  let next = 0;
  try {
    for (const target of options.clients) {
      clients.push(...(await connectMany(`${server.base.replace('http', 'ws')}/api/live`, target - clients.length)));
      await new Promise((done) => setTimeout(done, 500)); // let connection churn settle
      const last: number[] = [];
      const first: number[] = [];
      for (let round = 0; round < options.rounds; round += 1) {
        const slot = slots[next++];
        if (slot === undefined) throw new Error('out of fan-out slots');
        const heard = clients.map((c) => c.heard(slot.slotId));
        const sent = performance.now();
        const reply = await fetch(`${server.base}/api/timeslots/${slot.slotId}/reserve`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        if (reply.status !== 200) throw new Error(`reserve answered ${reply.status}`);
        const times = await Promise.all(heard);
        last.push(Math.max(...times) - sent);
        first.push(Math.min(...times) - sent);
      }
      const lastLatency = latencyOf(last);
      figures.push({
        clients: clients.length,
        rounds: options.rounds,
        lastClientMs: { p50: lastLatency.p50, max: lastLatency.max },
        firstClientMs: round(latencyOf(first).p50),
      });
      console.log(`  fan-out ${clients.length} clients: last client after ${lastLatency.p50} ms (p50)`);
    }
    return figures;
  } finally {
    for (const c of clients) c.socket.terminate();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
