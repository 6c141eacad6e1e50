import type { IdSource } from '../../src/engine/ids.js';

/** Deterministic ids so two runs of the same commands produce identical logs. */
export const sequentialIds = (prefix = ''): IdSource => {
  let n = 0;
  return {
    holdId: () => `${prefix}hold-${++n}`,
    bookingId: () => `HF-${prefix.toUpperCase()}${String(++n).padStart(4, '0')}-TEST`,
  };
};
