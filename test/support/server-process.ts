import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The real process, as `npm start` runs it (dist/src/main.js, built by `npm test`), on a
// port the OS picks, waited on until /readyz says ready.

export const MAIN = join(import.meta.dirname, '../../dist/src/main.js');

export type ServerProcess = { base: string; proc: ChildProcess; output(): string; exited(): Promise<number | null> };

export const assertBuilt = (): void => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" (npm test does) first`);
};

/** Starts the process; resolves once /readyz says ready (or, with `untilReady: false`, once it listens). */
export const startServer = async (
  env: Record<string, string>,
  { untilReady = true }: { untilReady?: boolean } = {},
): Promise<ServerProcess> => {
  const proc = spawn(process.execPath, ['--enable-source-maps', MAIN], {
    // EVENTSTORE_URL is for the adapter's own test file; a process gets it only when asked.
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', EVENTSTORE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (chunk) => (output += String(chunk)));
  proc.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = (): Promise<number | null> =>
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve(proc.exitCode)
      : new Promise((done) => proc.once('exit', (code) => done(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    if (port !== undefined) {
      const base = `http://127.0.0.1:${port}`;
      if (!untilReady) return { base, proc, output: () => output, exited };
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (ready === 200) return { base, proc, output: () => output, exited };
    }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`process did not become ready:\n${output}`);
    await new Promise((done) => setTimeout(done, 50));
  }
};

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
