import { resolve } from 'node:path';
import { IANAZone } from 'luxon';

// Configuration comes only from the environment (names as in DESIGN.md). Bad values stop
// start-up with a message naming the variable, rather than running with a surprise.

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  eventstoreUrl: string | undefined;
  holdSeconds: number;
  ownerToken: string | undefined;
  salonTz: string;
  logLevel: string;
  maxHoldsPerClient: number;
  mailboxCapacity: number;
  demo: boolean;
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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const loadConfig = (env: Env = process.env): Config => {
  const salonTz = env.SALON_TZ?.trim() || 'Europe/London';
  if (!IANAZone.isValidZone(salonTz)) throw new ConfigError(`SALON_TZ must be an IANA time zone (got "${salonTz}")`);
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const demo = (env.DEMO ?? '1').trim();
  if (demo !== '0' && demo !== '1') throw new ConfigError('DEMO must be 0 or 1');
  return {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    host: env.HOST?.trim() || '0.0.0.0',
    dataDir: resolve(env.DATA_DIR?.trim() || './data'),
    eventstoreUrl: env.EVENTSTORE_URL?.trim() || undefined,
    holdSeconds: integer(env, 'HOLD_SECONDS', 180, 1, 3_600),
    ownerToken: env.OWNER_TOKEN?.trim() || undefined,
    salonTz,
    logLevel,
    maxHoldsPerClient: integer(env, 'MAX_HOLDS_PER_CLIENT', 2, 1, 100),
    mailboxCapacity: integer(env, 'MAILBOX_CAPACITY', 64, 1, 100_000),
    demo: demo === '1',
  };
};
