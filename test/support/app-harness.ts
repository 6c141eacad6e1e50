import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import type { Clock } from '../../src/clock.js';
import { createEngine } from '../../src/engine/engine.js';
import { createSqliteLog, type SqliteLogOptions } from '../../src/eventlog/sqlite.js';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS' | 'HEAD';

import type { EngineOptions, OpenSlotInput } from '../../src/engine/engine.js';
import { type App, buildApp } from '../../src/http/app.js';
import { defaultHttpSettings, type HttpDeps, type HttpSettings, type StartupWork } from '../../src/http/context.js';
import { createMetrics } from '../../src/metrics.js';
import { OWNER, type Rig, sqliteRig } from './engine-harness.js';
import { anna, simulatedClock, tempDir } from './fixtures.js';

// The real app on a real engine and SQLite file, driven through inject() with a simulated
// clock. Each `client()` is one browser: it keeps the session cookie the server gives it.

export const OWNER_TOKEN = 'owner-token-for-tests-0123456789abcdef';
export const SESSION_SECRET = 'session-secret-for-tests-0123456789abcdef';
export const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

export type Client = {
  readonly cookie: string | undefined;
  request(
    method: Method,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown): Promise<LightMyRequestResponse>;
};

export type AppRig = {
  rig: Rig;
  app: App;
  client(options?: { ip?: string }): Client;
  owner(method: Method, url: string, body?: unknown): Promise<LightMyRequestResponse>;
  /** The Prometheus text, as a scraper with METRICS_TOKEN gets it. */
  metrics(): Promise<string>;
  dispose(): Promise<void>;
};

/** Anna's slots 2–6 hours after T0 (10:00–14:00 UTC on a Saturday). */
export const defaultSlots: OpenSlotInput[] = [2, 3, 4, 5, 6].map((h) => anna(h));
export const slotIdAt = (hoursFromT0: number): string => {
  const start = new Date(anna(hoursFromT0).startsAt).toISOString();
  return `anna-${start.slice(0, 4)}${start.slice(5, 7)}${start.slice(8, 10)}T${start.slice(11, 13)}${start.slice(14, 16)}Z`;
};

export const appRig = async (
  options: {
    engine?: Partial<EngineOptions>;
    log?: Pick<SqliteLogOptions, 'syncWal'>;
    settings?: Partial<HttpSettings>;
    slots?: OpenSlotInput[];
    logger?: Logger;
    sessionSecret?: string;
    startup?: StartupWork;
    /** A notifier on the rig's log and clock, for the owner's notification routes. */
    notifier?: (rig: Rig) => HttpDeps['notifier'];
  } = {},
): Promise<AppRig> => {
  const rig = await sqliteRig(options.engine, options.log);
  const notifier = options.notifier?.(rig);
  const outcomes = await rig.engine.openMany(options.slots ?? defaultSlots, OWNER);
  if (outcomes.some((o) => !o.ok)) throw new Error('could not open the test slots');
  const app = await buildApp({
    engine: rig.engine,
    clock: rig.clock,
    metrics: createMetrics(),
    secrets: { ownerToken: OWNER_TOKEN, sessionSecret: options.sessionSecret ?? SESSION_SECRET },
    // Limits and prices that tests opt into: rate limits, proof of work under hold pressure.
    settings: {
      ...defaultHttpSettings,
      rateLimitPerMinute: 0,
      holdPressurePercent: 0,
      maxConnectionsPerIp: 0,
      metricsToken: METRICS_TOKEN,
      ...options.settings,
    },
    ...(options.logger !== undefined && { logger: options.logger }),
    ...(options.startup !== undefined && { startup: options.startup }),
    ...(notifier !== undefined && { notifier }),
  });
  await app.ready();

  const client = ({ ip = '203.0.113.7' }: { ip?: string } = {}): Client => {
    let cookie: string | undefined;
    const request: Client['request'] = async (method, url, body, headers = {}) => {
      const options: InjectOptions = {
        method,
        url,
        remoteAddress: ip,
        headers: { ...(cookie !== undefined && { cookie }), ...headers },
      };
      if (body !== undefined) options.payload = body as object;
      const response = await app.inject(options);
      const set = response.headers['set-cookie'];
      const first = Array.isArray(set) ? set[0] : set;
      if (first?.startsWith('hf_session=')) cookie = first.split(';')[0];
      return response;
    };
    return {
      get cookie() {
        return cookie;
      },
      request,
      get: (url) => request('GET', url),
      post: (url, body) => request('POST', url, body),
    };
  };

  return {
    rig,
    app,
    client,
    owner: (method, url, body) => {
      const options: InjectOptions = { method, url, headers: { authorization: `Bearer ${OWNER_TOKEN}` } };
      if (body !== undefined) options.payload = body as object;
      return app.inject(options);
    },
    metrics: async () =>
      (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body,
    dispose: async () => {
      await app.close();
      await rig.dispose();
    },
  };
};

/** The app on an engine that has not started yet (for readiness), optionally with a logger. */
export const unstartedApp = async (logger?: Logger) => {
  const dir = tempDir();
  const clock = simulatedClock();
  const log = createSqliteLog({ path: join(dir.path, 'events.db'), clock });
  const engine = createEngine({
    log,
    clock: clock as Clock,
    holdSeconds: 180,
    maxHoldsPerClient: 2,
    ...(logger !== undefined && { logger }),
  });
  const app = await buildApp({
    engine,
    clock,
    metrics: createMetrics(),
    secrets: { ownerToken: OWNER_TOKEN, sessionSecret: SESSION_SECRET },
    settings: { ...defaultHttpSettings, rateLimitPerMinute: 0, holdPressurePercent: 0 },
    ...(logger !== undefined && { logger }),
  });
  return {
    clock,
    engine,
    app,
    dispose: async () => {
      await app.close();
      await engine.stop();
      await log.close();
      dir.remove();
    },
  };
};
