import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

// Servers under test run in their own processes, as in production, so the load generator
// (this process) never shares an event loop with them. Each is waited on until it answers.

export const DIST = join(import.meta.dirname, '..', '..');
export const MAIN = join(DIST, 'src', 'main.js');

export type Server = {
  base: string;
  proc: ChildProcess;
  /** What it printed (the last 1 MB). */
  output(): string;
  /** Resolves with the exit code once it has exited (null when a signal ended it). */
  exited(): Promise<number | null>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
};

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });

/**
 * Starts `node [nodeArgs] script` on `env.PORT` (a free port when unset) and waits until
 * `readyPath` answers 200 or, with `untilReady: false`, until it answers at all. Shared by
 * the benchmark and the tests that run the real process.
 */
export const startProcess = async (
  script: string,
  env: Record<string, string>,
  {
    readyPath = '/readyz',
    untilReady = true,
    nodeArgs = [] as string[],
    timeoutMs = 120_000,
    // A command to run node under (`ip netns exec <ns>`: it execs, so the pid is node's) and
    // the address the server is reached at from here then.
    wrap = [] as string[],
    host = '127.0.0.1',
  } = {},
): Promise<Server> => {
  const port = env.PORT ?? String(await freePort());
  const [command = process.execPath, ...prefix] = wrap.length > 0 ? wrap : [process.execPath];
  const args = [...(wrap.length > 0 ? [...prefix, process.execPath] : []), ...nodeArgs, script];
  const proc = spawn(command, args, {
    // EVENTSTORE_URL only when asked: a developer's shell may have one set.
    env: { ...process.env, HOST: host, EVENTSTORE_URL: '', DATABASE_URL: '', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: unknown) => {
    output += String(chunk);
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exit = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  const exited = (): Promise<number | null> =>
    proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve(proc.exitCode) : exit;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(killer);
    }
  };
  const base = `http://${host}:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${base}${readyPath}`).then(
      (r) => r.status,
      () => 0,
    );
    if (untilReady ? status === 200 : status !== 0) return { base, proc, output: () => output, exited, stop };
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${script} did not become ready:\n${output}`);
    }
    await new Promise((done) => setTimeout(done, 25));
  }
};

/** The real app (`npm start`'s dist/src/main.js) with limits off, as the issue asks. */
export const startHoldfast = (dataDir: string, env: Record<string, string> = {}, nodeArgs: string[] = []) =>
  startProcess(
    MAIN,
    {
      DATA_DIR: dataDir,
      DEMO: '0',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      MAX_HOLDS_PER_IP: '0',
      MAX_HOLDS_PER_CLIENT: '100',
      // The load comes from one address and has no browser to solve challenges.
      MAX_SOCKETS_PER_IP: '0',
      MAX_CONNECTIONS_PER_IP: '0',
      HOLD_PRESSURE_PERCENT: '0',
      HOLD_COOLDOWN_SECONDS: '0',
      MAILBOX_CAPACITY: '100000',
      NODE_ENV: 'production',
      ...env,
    },
    { nodeArgs },
  );
