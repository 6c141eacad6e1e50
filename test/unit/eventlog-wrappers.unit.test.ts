import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryLog, createMemoryStore } from '../../src/eventlog/memory.js';
import type { EventLog } from '../../src/eventlog/port.js';
import { timedAppends } from '../../src/eventlog/timed.js';
import { scheduled } from '../support/scheduled-log.js';

// Wrappers around a log must pass on every capability it has: a wrapper that dropped the
// multi-stream append, or an optional capability like the foreign-write mark, would quietly
// change what the engine does (no timing, no scheduling, or no sole-writer shortcut).

const capabilities = (log: EventLog): string[] =>
  Object.entries(log)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name)
    .sort();

describe('event-log wrappers', () => {
  const log = createMemoryLog({ store: createMemoryStore() });

  it('timing keeps every method of the log it wraps', () => {
    expect(capabilities(timedAppends(log, () => undefined))).toEqual(capabilities(log));
  });

  it('the interleaving tests’ scheduler keeps every method of the log it wraps', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        expect(capabilities(scheduled(log, s))).toEqual(capabilities(log));
      }),
      { numRuns: 1 },
    );
  });

  it('times the multi-stream append like any other', async () => {
    const seen: string[] = [];
    const timed = timedAppends(createMemoryLog(), (_, outcome) => seen.push(outcome));
    await timed.appendMany([
      { streamId: 'a', events: [{ type: 'X', data: {} }], expected: 'no_stream' },
      { streamId: 'b', events: [{ type: 'X', data: {} }], expected: 'no_stream' },
    ]);
    await timed
      .appendMany([{ streamId: 'a', events: [{ type: 'X', data: {} }], expected: 'no_stream' }])
      .catch(() => 0);
    expect(seen).toEqual(['ok', 'conflict']);
  });
});
