import { Pool } from 'undici';
import { type Latency, latencyOf, round } from './stats.js';

// Closed-loop load: `connections` virtual clients on as many keep-alive connections, each
// running one flow after another (a flow is a few requests, e.g. reserve then book).
// After a warm-up, flows started inside the measured window are counted and timed.

export type Reply = { status: number; cookie: string | undefined; body: string };
export type Call = (
  method: 'GET' | 'POST',
  path: string,
  options?: { cookie?: string; json?: unknown },
) => Promise<Reply>;
/** One flow for virtual client `vu`; resolves true when it completed as a client wanted. */
export type Flow = (call: Call, vu: number) => Promise<boolean>;

export type LoadResult = {
  connections: number;
  seconds: number;
  /** Flows that completed as the client wanted. */
  flows: number;
  flowsPerSecond: number;
  /** Flows started, completed or not (under hot-slot contention most are refused). */
  attemptsPerSecond: number;
  requestsPerSecond: number;
  /** Flows that ended some other way (refused, error status); hot-slot flows expect many. */
  incomplete: number;
  /** Of every flow started in the window, completed or not. */
  latencyMs: Latency;
  statuses: Record<string, number>;
};

export const runLoad = async (options: {
  base: string;
  connections: number;
  seconds: number;
  warmupSeconds?: number;
  flow: Flow;
}): Promise<LoadResult> => {
  const pool = new Pool(options.base, { connections: options.connections, pipelining: 1 });
  const statuses: Record<string, number> = {};
  let measuring = false;
  let requests = 0;
  const call: Call = async (method, path, { cookie, json } = {}) => {
    const headers: Record<string, string> = {};
    if (cookie !== undefined) headers.cookie = cookie;
    if (json !== undefined) headers['content-type'] = 'application/json';
    const res = await pool.request({
      method,
      path,
      headers,
      ...(json !== undefined && { body: JSON.stringify(json) }),
    });
    const body = await res.body.text();
    if (measuring) {
      requests += 1;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    }
    const setCookie = res.headers['set-cookie'];
    const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    return { status: res.statusCode, cookie: first?.split(';')[0], body };
  };

  const latencies: number[] = [];
  let incomplete = 0;
  const warmupMs = (options.warmupSeconds ?? 1) * 1_000;
  const startedAt = performance.now();
  const measureFrom = startedAt + warmupMs;
  const stopAt = measureFrom + options.seconds * 1_000;
  setTimeout(() => (measuring = true), warmupMs).unref();

  const client = async (vu: number) => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= stopAt) return;
      const ok = await options.flow(call, vu).catch(() => false);
      if (t0 < measureFrom) continue;
      latencies.push(performance.now() - t0);
      if (!ok) incomplete += 1;
    }
  };
  await Promise.all(Array.from({ length: options.connections }, (_, vu) => client(vu)));
  const elapsed = (performance.now() - measureFrom) / 1_000;
  await pool.close();
  return {
    connections: options.connections,
    seconds: round(elapsed),
    flows: latencies.length - incomplete,
    flowsPerSecond: round((latencies.length - incomplete) / elapsed),
    attemptsPerSecond: round(latencies.length / elapsed),
    requestsPerSecond: round(requests / elapsed),
    incomplete,
    latencyMs: latencyOf(latencies),
    statuses,
  };
};
