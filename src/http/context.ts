import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Engine } from '../engine/engine.js';
import type { Metrics } from '../metrics.js';
import type { Notifier } from '../notify/notifier.js';
import { SOCKET_ALLOWANCE } from './live/allowance.js';
import type { ManageTokens } from './manage-token.js';
import type { NetworkIds } from './network.js';
import type { OwnerGuessLimit } from './owner-auth.js';
import type { ProofOfWork } from './proof-of-work.js';
import type { OriginCheck } from './same-origin.js';
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
  /** Proxy addresses to trust for X-Forwarded-* (see config.ts); false: none. */
  trustProxy: false | string[];
  corsOrigins: string[];
  /** Where clients reach us (PUBLIC_URL), when it is not the Host they send. */
  publicUrl?: string;
  /** Live connections: ping interval, and how much unsent data a slow client may pile up. */
  heartbeatMs: number;
  maxBufferedBytes: number;
  /** Open HTTP connections per network (not behind a proxy); 0: no cap. */
  maxConnectionsPerIp: number;
  /** Open live sockets per network (IPv4 address, IPv6 /64); 0: no cap. */
  maxSocketsPerIp: number;
  /** What one live socket may send: a burst of `capacity` messages, refilled `perSecond`. */
  liveAllowance: { capacity: number; perSecond: number };
  /** Time a client has to send a whole request, headers and body (slow-body defence). */
  requestTimeoutMs: number;
  /** Bearer token that /metrics on this port asks for; unset: /metrics here refuses (401). */
  metricsToken?: string;
  /** New holds need a solved proof of work once this share of a stylist's day is held; 0: never. */
  holdPressurePercent: number;
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
  /** The owner's window on messages; absent: the notification routes answer 503. */
  notifier?: Pick<Notifier, 'list' | 'resend'>;
};

/** Work the process still does after replay before it should take traffic: readyz says 503 meanwhile. */
export type StartupWork = { pending?: string | undefined };

export type RouteContext = HttpDeps & {
  manageTokens: ManageTokens;
  /** A request IP's network id (a keyed hash), for the engine's per-network rules. */
  networkOf: NetworkIds;
  /** Refuses cookie-authenticated state changes and live sockets from another site. */
  origins: OriginCheck;
  /** Challenges for new holds when much of a day is held. */
  proofOfWork: ProofOfWork;
  sessions: Sessions;
  ownerGuesses: OwnerGuessLimit;
};

export const defaultHttpSettings: HttpSettings = {
  salonTz: 'Europe/London',
  salonName: 'Holdfast salon',
  holdSeconds: 180,
  cancelCutoffHours: 24,
  rateLimitPerMinute: 30,
  trustProxy: false,
  corsOrigins: [],
  heartbeatMs: 30_000,
  maxBufferedBytes: 1 << 20,
  maxSocketsPerIp: 50,
  maxConnectionsPerIp: 256,
  liveAllowance: SOCKET_ALLOWANCE,
  requestTimeoutMs: 10_000,
  holdPressurePercent: 30,
};
