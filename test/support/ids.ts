import type { IdSource } from '../../src/engine/ids.js';

/** Deterministic ids so two runs of the same commands produce identical logs. */
export const sequentialIds = (): IdSource => {
  let n = 0;
  return {
    holdId: () => `hold-${++n}`,
    bookingId: () => `HF-${String(++n).padStart(4, '0')}-TEST`,
  };
};
