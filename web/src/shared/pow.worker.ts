import { sha256 } from '@noble/hashes/sha2.js';
import type { DeriveKeyFunction } from 'altcha-lib/types';
import { handler } from 'altcha-lib/workers/shared';

// One of the workers that solve a hold's proof of work (see proof-of-work.ts). ALTCHA's own
// worker protocol; the hashing is @noble/hashes' SHA-256 rather than the browser's: Web
// Crypto exists only on https (a salon may serve the page over plain http inside its
// network) and, one async digest per try, ran at a third of the speed in Chromium here.

const deriveKey: DeriveKeyFunction = async (parameters, salt, password) => {
  const input = new Uint8Array(salt.length + password.length);
  input.set(salt, 0);
  input.set(password, salt.length);
  let key = sha256(input);
  for (let i = 1; i < Math.max(1, parameters.cost); i += 1) key = sha256(key);
  return { parameters: {}, derivedKey: key.slice(0, parameters.keyLength ?? 32) };
};

handler({ deriveKey });
