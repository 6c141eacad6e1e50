import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

// Servers under test run in their own processes, as in production, so the load generator
// (this process) never shares an event loop with them. Each is waited on until it answers.

export const DIST = join(import.meta.dirname, '..', '..');
export const MAIN = join(DIST, 'src', 'main.js');

export type Server = { base: string; proc: ChildProcess; output(): string; stop(): Promise<void> };

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

/** Starts `node script` with PORT set and waits until `readyPath` answers 200. */
export const startProcess = async (
  script: string,
  env: Record<string, string>,
  { readyPath = '/readyz', nodeArgs = [] as string[], timeoutMs = 120_000 } = {},
): Promise<Server> => {
  const port = await freePort();
  const proc = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), EVENTSTORE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: unknown) => {
    output = (output + String(chunk)).slice(-20_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => proc.once('exit', () => done()));
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${base}${readyPath}`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return { base, proc, output: () => output, stop };
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
      MAILBOX_CAPACITY: '100000',
      NODE_ENV: 'production',
      ...env,
    },
    { nodeArgs },
  );
