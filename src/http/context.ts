import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import type { Metrics } from '../metrics.js';
import type { IpHoldLimit } from './ip-holds.js';
import type { ManageTokens } from './manage-token.js';
import type { OwnerGuessLimit } from './owner-auth.js';
import type { Sessions } from './session.js';

// What the HTTP layer needs from the rest of the process, passed in (buildApp(deps)) so
// tests can give it a simulated clock and a temp-file log.

export type HttpSettings = {
  salonTz: string;
  salonName: string;
  holdSeconds: number;
  cancelCutoffHours: number;
  /** 0 turns rate limiting off (benchmarks). */
  rateLimitPerMinute: number;
  maxHoldsPerIp: number;
  trustProxy: boolean;
  corsOrigins: string[];
  /** Live connections: ping interval, and how much unsent data a slow client may pile up. */
  heartbeatMs: number;
  maxBufferedBytes: number;
  /** The built web app (dist/web); unset serves the API alone. */
  webRoot?: string;
};

export type HttpDeps = {
  engine: Engine;
  clock: Clock;
  metrics: Metrics;
  secrets: { ownerToken: string; sessionSecret: string };
  settings: HttpSettings;
  logger?: Logger;
  startup?: StartupWork;
};

/** Work the process still does after replay before it should take traffic: readyz says 503 meanwhile. */
export type StartupWork = { pending?: string | undefined };

export type RouteContext = HttpDeps & {
  manageTokens: ManageTokens;
  ipHolds: IpHoldLimit;
  sessions: Sessions;
  ownerGuesses: OwnerGuessLimit;
};

export const defaultHttpSettings: HttpSettings = {
  salonTz: 'Europe/London',
  salonName: 'Holdfast salon',
  holdSeconds: 180,
  cancelCutoffHours: 24,
  rateLimitPerMinute: 30,
  maxHoldsPerIp: 10,
  trustProxy: false,
  corsOrigins: [],
  heartbeatMs: 30_000,
  maxBufferedBytes: 1 << 20,
};
