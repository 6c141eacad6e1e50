import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planSlots, writeHistory } from '../../bench/lib/history.js';
import { percentile, ratio } from '../../bench/lib/stats.js';
import { applyRecorded, checkLog, createReadModels } from '../../projections/index.js';
import { readWholeLog } from '../../src/eventlog/port.js';
import { createSqliteLog } from '../../src/eventlog/sqlite.js';

// The benchmarks' synthetic histories must be logs the app could have written, or the
// rebuild and memory figures would measure something that cannot happen.

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('bench histories', () => {
  it('plans distinct half-hour slots across the chairs', () => {
    const slots = planSlots(120, Date.UTC(2030, 0, 1, 9, 10), 4);
    expect(new Set(slots.map((s) => s.slotId)).size).toBe(120);
    expect(slots[0]?.startsAt).toBe(Date.UTC(2030, 0, 1, 9, 30));
    expect(slots.every((s) => s.endsAt - s.startsAt === 30 * 60_000)).toBe(true);
  });

  it.each([1, 7, 10])(
    'writes %i valid events per slot: the verifier passes and the read models see them',
    async (n) => {
      dir = mkdtempSync(join(tmpdir(), 'holdfast-bench-history-'));
      const file = join(dir, 'log.db');
      const at = Date.UTC(2030, 0, 1);
      const slots = planSlots(40, at + 86_400_000);
      expect(await writeHistory(file, slots, n, at)).toBe(40 * n);

      const log = createSqliteLog({ path: file, readonly: true });
      const events = await readWholeLog(log);
      await log.close();
      expect(events).toHaveLength(40 * n);
      const report = checkLog(events, at + 3_600_000);
      expect(report.violations).toEqual([]);

      const models = createReadModels();
      for (const event of events) applyRecorded(models, event);
      expect(models.availability.slots.size).toBe(40);
      const statuses = [...models.availability.slots.values()].map((s) => s.status);
      if (n === 10) {
        expect(statuses.filter((s) => s === 'booked')).toHaveLength(20); // odd slots end booked
        expect(statuses.filter((s) => s === 'available')).toHaveLength(20);
      } else if (n === 1) expect(new Set(statuses)).toEqual(new Set(['available']));
      else expect(new Set(statuses)).toEqual(new Set(['booked'])); // 7: the third hold was booked
    },
  );
});

describe('bench figures', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
    expect(ratio(1, 3)).toBe(0.33);
  });
});
