import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../bench/lib/processes.js';
import { tempDir, until } from '../support/fixtures.js';

// `npm start` as a newcomer runs it, in a copy of the repository as a fresh clone has it
// (the files git tracks, plus new ones it does not ignore; node_modules linked, as `npm ci`
// would have put it): the first start builds and serves; a second start builds nothing
// (dist/ is untouched) and serves. In a copy, so a build never disturbs the dist/ that
// other tests are serving.

const repo = join(import.meta.dirname, '..', '..');
const copy = tempDir('holdfast-clone-');
const running: ChildProcess[] = [];

afterAll(() => {
  for (const proc of running) proc.kill('SIGKILL');
  copy.remove();
});

const cloneRepository = (): void => {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && !f.startsWith('test/') && !f.startsWith('bench/') && !f.startsWith('docs/'));
  for (const file of files) {
    try {
      mkdirSync(dirname(join(copy.path, file)), { recursive: true });
      cpSync(join(repo, file), join(copy.path, file));
    } catch (error) {
      // A file deleted in the working tree but not yet from the index: a clone would not have it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  symlinkSync(join(repo, 'node_modules'), join(copy.path, 'node_modules'));
};

/** `npm start` in the copy until /readyz says ready; resolves with what it printed and when. */
const npmStart = async (dataDir: string): Promise<{ output: string; readyMs: number; stop(): Promise<void> }> => {
  const port = await freePort();
  const started = Date.now();
  const proc = spawn('npm', ['start'], {
    cwd: copy.path,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: npm, sh and node are stopped together
  });
  running.push(proc);
  let output = '';
  proc.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  proc.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise((done) => proc.once('exit', done));
  await until(async () => {
    if (proc.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
    return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
  }, 180_000);
  const readyMs = Date.now() - started;
  return {
    get output() {
      return output;
    },
    readyMs,
    stop: async () => {
      process.kill(-(proc.pid ?? 0), 'SIGTERM');
      await exited;
    },
  };
};

const builtAt = (): number[] =>
  ['dist/src/main.js', 'dist/web/index.html'].map((f) => statSync(join(copy.path, f)).mtimeMs);

describe('npm start on a fresh clone', () => {
  it('builds once and serves; a second start builds nothing and serves', async () => {
    cloneRepository();
    const data = join(copy.path, 'data');
    const first = await npmStart(data);
    expect(first.output).toContain('holdfast: first build');
    const res = await fetch(`${first.output.match(/Booking page +(\S+)/)?.[1] ?? ''}`).catch(() => undefined);
    expect(res?.status).toBe(200); // the booking page, as the banner says
    await first.stop();
    const built = builtAt();

    const second = await npmStart(data);
    expect(first.output).toContain('tsc -p tsconfig.build.json'); // npm echoes the build it runs
    expect(second.output).not.toMatch(/first build|rebuilding|tsc -p|vite build/);
    expect(builtAt()).toEqual(built);
    await until(() => second.output.includes('Holdfast is ready'));
    await second.stop();
    console.log(
      `npm start, ready on an empty log: first ${first.readyMs} ms (with the build), second ${second.readyMs} ms`,
    );
  }, 240_000);
});
