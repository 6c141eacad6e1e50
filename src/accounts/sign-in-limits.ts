import type { Clock } from '../clock.js';

// How many wrong passwords a guesser gets, without a guesser locking out the browser a
// person signs in with.
//
// A failure is counted against the pair (account, network): after a few free tries each
// further one from there waits twice as long (1 s, 2 s, … 15 min), so someone else at the
// salon's address guessing at *another* account, or at yours from elsewhere, does not slow
// you. A browser that has signed in to an account before carries a device cookie for it
// (OWASP's "device cookies"): its tries are counted on that device alone, so even a guesser
// on your own network, at your own account, does not lock you out of the browser you use.
//
// Tries from unknown browsers have three more brakes, each a trade: a browser you have
// never used, on a network where someone is guessing, may have to wait.
// - One check at a time per pair (or device) and per network: a burst of simultaneous
//   guesses is not a way round the backoff, which is counted after each check.
// - Checks per network and minute: someone rotating through made-up emails (each a fresh
//   pair) cannot keep our CPU hashing.
// - Failures against one account from every network together are capped over an hour,
//   against a guesser spread over many addresses.
//
// The counts live in this process's memory (they are a brake, not a record); several app
// processes each keep their own.

const FREE_FAILURES = 5;
const MAX_DELAY_MS = 15 * 60_000;
const ACCOUNT_WINDOW_MS = 3_600_000;
const ACCOUNT_FAILURES_PER_WINDOW = 100;
const NETWORK_WINDOW_MS = 60_000;
const NETWORK_CHECKS_PER_WINDOW = 20;
const MAX_ENTRIES = 50_000;

type Count = { failures: number; last: number; windowStart: number };

export type SignInKey = {
  /** The email tried, lowercased (an account or not: unknown emails are limited the same). */
  account: string;
  network: string;
  /** The device id from a valid device cookie for this same account, if the browser has one. */
  device?: string;
};

export const createSignInLimits = (clock: Clock) => {
  const counts = new Map<string, Count>();
  const running = new Set<string>();

  const keysOf = (key: SignInKey): { backoff: string; account?: string; network?: string } =>
    key.device !== undefined
      ? { backoff: `device\u0000${key.device}` }
      : {
          backoff: `pair\u0000${key.account}\u0000${key.network}`,
          account: `account\u0000${key.account}`,
          network: `network\u0000${key.network}`,
        };

  const delayAfter = (failures: number): number =>
    failures < FREE_FAILURES ? 0 : Math.min(MAX_DELAY_MS, 1_000 * 2 ** (failures - FREE_FAILURES));

  /** Adds one to a count whose window is `windowMs` (counts are forgotten oldest first past the bound). */
  const bump = (name: string, now: number, windowMs: number): void => {
    const count = counts.get(name);
    if (count === undefined || now - count.windowStart >= windowMs) {
      if (counts.size >= MAX_ENTRIES) counts.delete(counts.keys().next().value ?? '');
      counts.set(name, { failures: 1, last: now, windowStart: now });
    } else {
      count.failures += 1;
      count.last = now;
    }
  };

  /** How long until a windowed count under its cap again (0: it is). */
  const capWait = (name: string | undefined, now: number, windowMs: number, cap: number): number => {
    const count = name === undefined ? undefined : counts.get(name);
    if (count === undefined || now - count.windowStart >= windowMs || count.failures < cap) return 0;
    return count.windowStart + windowMs - now;
  };

  return {
    /** Milliseconds this try must wait before it may be checked, or 0 to check it now. */
    waitFor(key: SignInKey): number {
      const now = clock.now();
      const names = keysOf(key);
      const pair = counts.get(names.backoff);
      const backoff = pair === undefined ? 0 : Math.max(0, pair.last + delayAfter(pair.failures) - now);
      return Math.max(
        backoff,
        capWait(names.account, now, ACCOUNT_WINDOW_MS, ACCOUNT_FAILURES_PER_WINDOW),
        capWait(names.network, now, NETWORK_WINDOW_MS, NETWORK_CHECKS_PER_WINDOW),
      );
    },
    /**
     * Claims the one check this try's pair (or device), and for an unknown browser its
     * network, may have running, and counts it against the network; undefined when one is
     * running already. Call the returned function once the check is done.
     */
    begin(key: SignInKey): (() => void) | undefined {
      const names = keysOf(key);
      const claimed = [names.backoff, ...(names.network === undefined ? [] : [names.network])];
      if (claimed.some((name) => running.has(name))) return undefined;
      for (const name of claimed) running.add(name);
      if (names.network !== undefined) bump(names.network, clock.now(), NETWORK_WINDOW_MS);
      return () => {
        for (const name of claimed) running.delete(name);
      };
    },
    failed(key: SignInKey): void {
      const now = clock.now();
      const names = keysOf(key);
      bump(names.backoff, now, ACCOUNT_WINDOW_MS);
      if (names.account !== undefined) bump(names.account, now, ACCOUNT_WINDOW_MS);
    },
    /** The right password: this pair (or device) starts afresh. */
    succeeded(key: SignInKey): void {
      counts.delete(keysOf(key).backoff);
    },
  };
};

export type SignInLimits = ReturnType<typeof createSignInLimits>;
