import { randomUUID } from 'node:crypto';
import { randomBytesFromPool } from '../random-pool.js';

// Booking references are read aloud over the phone to the salon: Crockford base32
// (no I, L, O, U), 8 characters = 40 random bits, shown as HF-XXXX-XXXX.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const newBookingRef = (): string => {
  // 40 bits fit a double exactly, so plain arithmetic peels off the 5-bit digits.
  let bits = randomBytesFromPool(5).readUIntBE(0, 5);
  let out = '';
  for (let i = 0; i < 8; i += 1) {
    out = (CROCKFORD[bits % 32] ?? '0') + out;
    bits = Math.floor(bits / 32);
  }
  return `HF-${out.slice(0, 4)}-${out.slice(4)}`;
};

export type IdSource = { holdId(): string; bookingId(): string };

export const randomIds: IdSource = { holdId: () => randomUUID(), bookingId: newBookingRef };
