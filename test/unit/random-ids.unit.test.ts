import { describe, expect, it } from 'vitest';
import { newBookingRef } from '../../src/engine/ids.js';
import { randomBytesFromPool, randomToken } from '../../src/random-pool.js';

// The pool hands out each byte once: across a refill, values must keep coming fresh, never a
// repeat of the block they were cut from.
describe('pooled randomness', () => {
  it('gives session tokens of the right shape that never repeat, across many pool refills', () => {
    const tokens = Array.from({ length: 5_000 }, () => randomToken(16)); // 80 KB: ~20 refills
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const t of tokens.slice(0, 50)) expect(t).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('copies bytes out, so a caller changing them cannot touch later draws', () => {
    const a = randomBytesFromPool(32);
    const before = Buffer.from(a);
    a.fill(0);
    const b = randomBytesFromPool(32);
    expect(b.equals(Buffer.alloc(32))).toBe(false);
    expect(before.equals(Buffer.alloc(32))).toBe(false);
    expect(() => randomBytesFromPool(5_000)).toThrow(RangeError);
  });

  it('makes booking references in Crockford base32 that use all 32 digits in every position', () => {
    const refs = Array.from({ length: 4_000 }, newBookingRef);
    expect(new Set(refs).size).toBe(refs.length); // 40 bits: a repeat in 4,000 is ~1 in 140,000
    const seen = Array.from({ length: 8 }, () => new Set<string>());
    for (const ref of refs) {
      expect(ref).toMatch(/^HF-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
      [...ref.replaceAll('-', '').slice(2)].forEach((c, i) => {
        seen[i]?.add(c);
      });
    }
    for (const digits of seen) expect(digits.size).toBe(32);
  });
});
