import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Server, startProcess } from '../../bench/lib/processes.js';

// The real process, as `npm start` runs it (dist/src/main.js, built by `npm test`), on a
// free port, waited on until /readyz says ready (the spawning is the benchmark's).

export const MAIN = join(import.meta.dirname, '../../dist/src/main.js');

export type ServerProcess = Server;

export const assertBuilt = (): void => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" (npm test does) first`);
};

/** Starts the process; resolves once /readyz says ready (or, with `untilReady: false`, once it answers). */
export const startServer = (
  env: Record<string, string>,
  { untilReady = true, wrap = [], host = '127.0.0.1' }: { untilReady?: boolean; wrap?: string[]; host?: string } = {},
): Promise<ServerProcess> =>
  startProcess(
    MAIN,
    { LOG_LEVEL: 'info', ...env },
    { nodeArgs: ['--enable-source-maps'], untilReady, timeoutMs: 20_000, wrap, host },
  );

/** Kills it outright (SIGKILL): what a crash looks like, and quick. */
export const stopServer = async (server: ServerProcess | undefined): Promise<void> => {
  if (server === undefined || server.proc.exitCode !== null || server.proc.signalCode !== null) return;
  server.proc.kill('SIGKILL');
  await server.exited();
};

// Response bodies are whatever the server sent; the assertions using them check their shape.
// biome-ignore lint/suspicious/noExplicitAny: JSON from the wire
export type Json = Record<string, any>;

/** One browser against a real server: keeps the session cookie (share `jar` to share a session). */
export const browser = (
  base: string,
  jar: { cookie?: string | undefined } = {},
  headers: Record<string, string> = {},
) => {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...headers,
        ...(jar.cookie && { cookie: jar.cookie }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const set = res.headers.get('set-cookie');
    if (set?.startsWith('hf_session=')) jar.cookie = set.split(';')[0];
    return { status: res.status, body: (await res.json()) as Json };
  };
  return { jar, call };
};
