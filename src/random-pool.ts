import { randomFillSync } from 'node:crypto';

// Session ids and booking references draw a few random bytes on every flow. Asking the
// CSPRNG for 5 or 16 bytes at a time costs a trip into OpenSSL per call (a twentieth of a
// request's CPU when profiled); Node's own randomUUID caches a block for the same reason.
// So do we: one 4 KiB draw, each byte handed out once and never again.

const BLOCK = 4_096;
const pool = Buffer.alloc(BLOCK);
let offset = BLOCK;

const take = (n: number): number => {
  if (n > BLOCK) throw new RangeError(`at most ${BLOCK} random bytes at a time`);
  if (offset + n > BLOCK) {
    randomFillSync(pool);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
};

/** `n` fresh random bytes (a copy: the pool itself is never handed out). */
export const randomBytesFromPool = (n: number): Buffer => {
  const at = take(n);
  return Buffer.from(pool.subarray(at, at + n));
};

/** `n` fresh random bytes as base64url (16 bytes → 22 characters). */
export const randomToken = (n: number): string => {
  const at = take(n);
  return pool.toString('base64url', at, at + n);
};
