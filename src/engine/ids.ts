import { randomBytes, randomUUID } from 'node:crypto';

// Booking references are read aloud over the phone to the salon: Crockford base32
// (no I, L, O, U), 8 characters = 40 random bits, shown as HF-XXXX-XXXX.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const newBookingRef = (): string => {
  const bytes = randomBytes(5);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 8; i += 1) {
    out = (CROCKFORD[Number(bits & 31n)] ?? '0') + out;
    bits >>= 5n;
  }
  return `HF-${out.slice(0, 4)}-${out.slice(4)}`;
};

export type IdSource = { holdId(): string; bookingId(): string };

export const randomIds: IdSource = { holdId: () => randomUUID(), bookingId: newBookingRef };
