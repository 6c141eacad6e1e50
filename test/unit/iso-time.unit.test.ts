import { describe, expect, it } from 'vitest';
import { isoTime } from '../../machines/index.js';
import { T0 } from '../support/fixtures.js';

// The memo must never change an answer: repeats, past its size (when it resets), and bad input.

describe('isoTime', () => {
  it('gives toISOString’s text for every instant, repeated or not, well past the memo’s size', () => {
    const instants = Array.from({ length: 10_000 }, (_, i) => T0 + ((i * 7_919) % 6_000) * 60_000 + (i % 1_000));
    for (const round of [1, 2]) {
      for (const ms of instants) expect(isoTime(ms), `round ${round}`).toBe(new Date(ms).toISOString());
    }
  });

  it('throws for a value that is not an instant, and remembers nothing for it', () => {
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
