// What one live socket may send: a bucket of tokens, refilled at a steady rate. A message
// costs tokens (a resync, which sends a whole snapshot back, costs more); one the bucket
// cannot pay for means the client is flooding, and its socket is closed. The booking page
// sends almost nothing (it reconnects instead of resyncing), so the limits are far above it.

export type Allowance = { take(cost: number): boolean };

export const createAllowance = (
  { capacity, perSecond }: { capacity: number; perSecond: number },
  now: () => number = performance.now.bind(performance),
): Allowance => {
  let tokens = capacity;
  let at = now();
  return {
    take: (cost) => {
      const t = now();
      tokens = Math.min(capacity, tokens + ((t - at) / 1_000) * perSecond);
      at = t;
      if (tokens < cost) return false;
      tokens -= cost;
      return true;
    },
  };
};

/** A resync sends a whole snapshot back: it costs what five small messages do. */
export const MESSAGE_COST = { resync: 5, other: 1 } as const;
/** Ten small messages at once, then one a second (a resync every five seconds). */
export const SOCKET_ALLOWANCE = { capacity: 10, perSecond: 1 } as const;
