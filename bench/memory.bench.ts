import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planSlots, writeHistory } from './lib/history.js';
import { DIST } from './lib/processes.js';
import { round } from './lib/stats.js';

// Memory of a loaded engine, measured in a fresh process (memory-probe.ts): per idle slot
// (the read models; no actor stays for a slot nobody is using) and per live hold (its
// actor and timer on top). RSS is what the machine pays; heap is what our objects take.

export type MemoryFigures = {
  slots: number;
  holds: number;
  rssMB: { empty: number; idleSlots: number; withHolds: number };
  bytesPerIdleSlot: { rss: number; heap: number };
  bytesPerLiveHold: { rss: number; heap: number };
  actorsAfterHolds: number;
};

type Probe = {
  slots: number;
  holds: number;
  actors: number;
  rss: { empty: number; idle: number; held: number };
  heap: { empty: number; idle: number; held: number };
};

export const benchMemory = async (options: { slots: number; holds: number }): Promise<MemoryFigures> => {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-memory-'));
  try {
    const file = join(dir, 'holdfast.db');
    await writeHistory(file, planSlots(options.slots, Date.now() + 86_400_000), 1, Date.now() - 3_600_000);
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', join(DIST, 'bench', 'memory-probe.js'), file, String(options.holds)],
      { encoding: 'utf8', maxBuffer: 1_048_576 },
    );
    const probe = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Probe;
    const mb = (bytes: number) => round(bytes / 1_048_576);
    return {
      slots: probe.slots,
      holds: probe.holds,
      rssMB: { empty: mb(probe.rss.empty), idleSlots: mb(probe.rss.idle), withHolds: mb(probe.rss.held) },
      bytesPerIdleSlot: {
        rss: round((probe.rss.idle - probe.rss.empty) / probe.slots),
        heap: round((probe.heap.idle - probe.heap.empty) / probe.slots),
      },
      bytesPerLiveHold: {
        rss: round((probe.rss.held - probe.rss.idle) / probe.holds),
        heap: round((probe.heap.held - probe.heap.idle) / probe.holds),
      },
      actorsAfterHolds: probe.actors,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
