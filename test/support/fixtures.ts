import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from 'xstate';
import type { Clock } from '../../src/clock.js';

// Shared test furniture: a controllable clock and throwaway data directories.

export const T0 = Date.parse('2026-12-05T08:00:00.000Z'); // a Saturday morning
export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** XState's SimulatedClock, started at T0: timers fire only when a test advances it. */
export const simulatedClock = (start = T0): SimulatedClock & Clock => {
  const clock = new SimulatedClock();
  clock.set(start);
  return clock as SimulatedClock & Clock;
};

export const tempDir = (prefix = 'holdfast-test-'): { path: string; remove(): void } => {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
};

/** Polls `condition` (sync or async) until it holds; fails after `timeoutMs`. */
export const until = async (condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((done) => setTimeout(done, 10));
  }
};

export const anna = (hoursFromT0: number, minutes = 60) => ({
  stylist: 'Anna',
  startsAt: T0 + hoursFromT0 * HOUR,
  endsAt: T0 + hoursFromT0 * HOUR + minutes * MINUTE,
});
