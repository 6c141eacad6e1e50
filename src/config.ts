import { resolve } from 'node:path';
import { IANAZone } from 'luxon';

// Configuration comes only from the environment (names as in DESIGN.md). Bad values stop
// start-up with a message naming the variable, rather than running with a surprise.

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  eventstoreUrl: string | undefined;
  /** A PostgreSQL log (postgres://…), shared by every app process pointed at it. */
  databaseUrl: string | undefined;
  /** The schema holding the PostgreSQL log's tables. */
  pgSchema: string;
  /** Connections each process keeps to PostgreSQL (plus one that listens). */
  pgPoolSize: number;
  /** PostgreSQL statement_timeout for the log's queries, ms. */
  pgStatementTimeoutMs: number;
  holdSeconds: number;
  /** After a client's hold on a slot ends, how long before it (or its network) may hold that slot again. */
  holdCooldownSeconds: number;
  ownerToken: string | undefined;
  salonTz: string;
  logLevel: string;
  maxHoldsPerClient: number;
  mailboxCapacity: number;
  demo: boolean;
  /** Keep a read-model snapshot beside the SQLite log so restarts replay only its tail. */
  snapshots: boolean;
  /** Clients may cancel their own booking until this many hours before it starts. */
  cancelCutoffHours: number;
  /** Reserve/book/cancel requests and new sessions per IP per minute; 0 turns limiting off. */
  rateLimitPerMinute: number;
  maxHoldsPerIp: number;
  /** Signs session cookies; generated and kept in DATA_DIR when unset. */
  sessionSecret: string | undefined;
  /** Behind reverse proxies: the proxy addresses (IPs, CIDRs, proxy-addr names) to trust; false: none. */
  trustProxy: false | string[];
  /** Origins allowed to call the API from other sites; none by default. */
  corsOrigins: string[];
  salonName: string;
  /** Where clients reach us (https://book.salon.example): its origin may act with a session. */
  publicUrl: string | undefined;
  /** Open live sockets per network; 0: no cap. */
  maxSocketsPerIp: number;
  /** Open HTTP connections per network (not behind a proxy); 0: no cap. */
  maxConnectionsPerIp: number;
  /** Share of a stylist's day held beyond which a new hold needs a proof of work; 0: never. */
  holdPressurePercent: number;
  /** Seconds a client has to send a whole request. */
  requestTimeoutSeconds: number;
  /** Bearer token for /metrics on the main port. */
  metricsToken: string | undefined;
  /** A separate metrics listener (no token), on metricsHost. */
  metricsPort: number | undefined;
  metricsHost: string;
  notify: NotifyConfig;
};

/** Messages to clients and the salon (issue 19); no transport set: recorded as skipped. */
export type NotifyConfig = {
  /** Hours before an appointment a reminder is due; [] for none. */
  reminderHours: number[];
  ownerEmail: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  smsWebhookUrl: string | undefined;
  smsWebhookSecret: string | undefined;
  giveUpHours: number;
  /** How long a claimed send keeps other processes off it (a crashed sender's claim lapses). */
  leaseSeconds: number;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

const integer = (env: Env, name: string, fallback: number, min: number, max: number): number => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
};

const flag = (env: Env, name: string, fallback: boolean): boolean => {
  const raw = (env[name] ?? '').trim();
  if (raw === '') return fallback;
  if (raw !== '0' && raw !== '1') throw new ConfigError(`${name} must be 0 or 1 (got "${raw}")`);
  return raw === '1';
};

// Which proxies to trust for X-Forwarded-For/-Proto/-Host: their addresses, never "every
// hop" (the left-most X-Forwarded-For entry is whatever the client sent, as most proxies
// append to the header, so every per-network rule would be walked around with a header) and
// not a hop count (Fastify trusts nothing for one: it cannot check the peer). `1` means
// proxies on loopback or a private network; the client's address is then the first one,
// from the right, that is not such a proxy.
const PRIVATE_PROXIES = ['loopback', 'linklocal', 'uniquelocal'];
const PROXY_ADDRESS = /^((\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)(\/\d{1,3})?|loopback|linklocal|uniquelocal)$/i;
const proxies = (raw: string | undefined): false | string[] => {
  const value = (raw ?? '').trim();
  if (value === '' || value === '0') return false;
  if (value === '1') return PRIVATE_PROXIES;
  const list = value.split(',').map((a) => a.trim());
  if (list.every((a) => PROXY_ADDRESS.test(a))) return list;
  throw new ConfigError(
    `TRUST_PROXY must be 0, 1 (proxies on loopback or a private network), or the proxies' addresses/CIDRs (got "${value}")`,
  );
};

const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

const reminderHours = (raw: string | undefined): number[] => {
  const value = (raw ?? '24,2').trim();
  if (value === '') return [];
  const hours = value.split(',').map((h) => Number(h.trim()));
  if (hours.some((h) => !Number.isFinite(h) || h <= 0 || h > 24 * 30)) {
    throw new ConfigError(`REMINDER_HOURS must be a comma list of hours like 24,2 or 0.5 (got "${value}")`);
  }
  return [...new Set(hours)].sort((a, b) => b - a);
};

const notifyConfig = (env: Env): NotifyConfig => {
  const ownerEmail = env.OWNER_EMAIL?.trim() || undefined;
  if (ownerEmail !== undefined && !EMAIL.test(ownerEmail)) {
    throw new ConfigError(`OWNER_EMAIL must be an email address (got "${ownerEmail}")`);
  }
  const smtpUrl = env.SMTP_URL?.trim() || undefined;
  if (smtpUrl !== undefined && !/^smtps?:\/\/[^/\s]+/.test(smtpUrl)) {
    throw new ConfigError('SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465');
  }
  const mailFrom = env.MAIL_FROM?.trim() || 'Holdfast salon <no-reply@holdfast.invalid>';
  const smsWebhookUrl = env.SMS_WEBHOOK_URL?.trim() || undefined;
  if (smsWebhookUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(smsWebhookUrl)) {
    throw new ConfigError(`SMS_WEBHOOK_URL must be an http(s) URL (got "${smsWebhookUrl}")`);
  }
  const smsWebhookSecret = env.SMS_WEBHOOK_SECRET?.trim() || undefined;
  if (smsWebhookUrl !== undefined && (smsWebhookSecret === undefined || smsWebhookSecret.length < 16)) {
    throw new ConfigError('SMS_WEBHOOK_SECRET (at least 16 characters) is needed with SMS_WEBHOOK_URL');
  }
  return {
    reminderHours: reminderHours(env.REMINDER_HOURS),
    ownerEmail,
    smtpUrl,
    mailFrom,
    smsWebhookUrl,
    smsWebhookSecret,
    giveUpHours: positive(env, 'NOTIFY_GIVE_UP_HOURS', 24),
    leaseSeconds: integer(env, 'NOTIFY_LEASE_SECONDS', 120, 1, 3_600),
  };
};

const positive = (env: Env, name: string, fallback: number): number => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 24 * 365) {
    throw new ConfigError(`${name} must be a number of hours above 0 (got "${raw}")`);
  }
  return value;
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const loadConfig = (env: Env = process.env): Config => {
  const salonTz = env.SALON_TZ?.trim() || 'Europe/London';
  if (!IANAZone.isValidZone(salonTz)) throw new ConfigError(`SALON_TZ must be an IANA time zone (got "${salonTz}")`);
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const demo = flag(env, 'DEMO', true);
  const sessionSecret = env.SESSION_SECRET?.trim() || undefined;
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET must be at least 32 characters');
  }
  const corsOrigins = (env.CORS_ORIGIN ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(`CORS_ORIGIN must list origins like https://salon.example (got "${origin}")`);
    }
  }
  const holdSeconds = integer(env, 'HOLD_SECONDS', 180, 1, 3_600);
  // Long enough that guessing is hopeless, so a right token can always be let in even when
  // someone on the same address has been guessing (the guess limit only slows the guesser).
  const ownerToken = env.OWNER_TOKEN?.trim() || undefined;
  if (ownerToken !== undefined && ownerToken.length < 24) {
    throw new ConfigError('OWNER_TOKEN must be at least 24 characters (unset, one is generated)');
  }
  const publicUrl = env.PUBLIC_URL?.trim() || undefined;
  if (publicUrl !== undefined && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(publicUrl)) {
    throw new ConfigError(`PUBLIC_URL must be an http(s) URL like https://book.salon.example (got "${publicUrl}")`);
  }
  const metricsToken = env.METRICS_TOKEN?.trim() || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  }
  const eventstoreUrl = env.EVENTSTORE_URL?.trim() || undefined;
  // The KurrentDB client's schemes; esdb:// (EventStoreDB's) is still taken, as the same server.
  if (eventstoreUrl !== undefined && !/^(kurrentdb|kurrent|kdb|esdb)(\+discover)?:\/\/[^/\s]+/.test(eventstoreUrl)) {
    throw new ConfigError(
      `EVENTSTORE_URL must be a KurrentDB connection string like kurrentdb://localhost:2113?tls=false (got "${eventstoreUrl}")`,
    );
  }
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/\S+$/.test(databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL must be a PostgreSQL connection string like postgres://holdfast:secret@db:5432/holdfast',
    );
  }
  if (databaseUrl !== undefined && eventstoreUrl !== undefined) {
    throw new ConfigError('set DATABASE_URL or EVENTSTORE_URL, not both: a process has one log');
  }
  const pgSchema = env.PG_SCHEMA?.trim() || 'holdfast';
  if (!/^[a-z_][a-z0-9_]{0,39}$/.test(pgSchema)) {
    throw new ConfigError(`PG_SCHEMA must be a lower-case SQL name of at most 40 characters (got "${pgSchema}")`);
  }
  return {
    notify: notifyConfig(env),
    port: integer(env, 'PORT', 3000, 0, 65_535),
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: resolve(env.DATA_DIR?.trim() || './data'),
    eventstoreUrl,
    databaseUrl,
    pgSchema,
    pgPoolSize: integer(env, 'PG_POOL_SIZE', 10, 1, 1_000),
    pgStatementTimeoutMs: integer(env, 'PG_STATEMENT_TIMEOUT_MS', 5_000, 100, 600_000),
    holdSeconds,
    holdCooldownSeconds: integer(env, 'HOLD_COOLDOWN_SECONDS', holdSeconds, 0, 3_600),
    ownerToken,
    salonTz,
    logLevel,
    maxHoldsPerClient: integer(env, 'MAX_HOLDS_PER_CLIENT', 2, 1, 100),
    mailboxCapacity: integer(env, 'MAILBOX_CAPACITY', 64, 1, 100_000),
    demo,
    snapshots: flag(env, 'SNAPSHOTS', true),
    cancelCutoffHours: integer(env, 'CANCEL_CUTOFF_HOURS', 24, 0, 24 * 30),
    rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 30, 0, 1_000_000),
    maxHoldsPerIp: integer(env, 'MAX_HOLDS_PER_IP', 10, 0, 10_000),
    sessionSecret,
    trustProxy: proxies(env.TRUST_PROXY),
    corsOrigins,
    salonName: env.SALON_NAME?.trim() || 'Holdfast salon',
    publicUrl,
    maxSocketsPerIp: integer(env, 'MAX_SOCKETS_PER_IP', 50, 0, 100_000),
    maxConnectionsPerIp: integer(env, 'MAX_CONNECTIONS_PER_IP', 256, 0, 100_000),
    holdPressurePercent: integer(env, 'HOLD_PRESSURE_PERCENT', 30, 0, 100),
    requestTimeoutSeconds: integer(env, 'REQUEST_TIMEOUT_SECONDS', 10, 1, 600),
    metricsToken,
    metricsPort: env.METRICS_PORT?.trim() ? integer(env, 'METRICS_PORT', 0, 1, 65_535) : undefined,
    metricsHost: env.METRICS_HOST?.trim() || '127.0.0.1',
  };
};
