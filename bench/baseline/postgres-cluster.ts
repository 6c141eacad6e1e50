import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// A throwaway PostgreSQL cluster from Debian's binaries: initdb into a temp dir, start on a
// Unix socket (PostgreSQL's fastest local path, so the seed's baseline gets its best case)
// and, when asked, on 127.0.0.1 too (app processes and the tests reach it by URL); default
// durability (fsync on, synchronous_commit on: like our synchronous=FULL). The bench and
// the tests (test/support/postgres.ts) both start theirs here.

export const INSTALL_HINT =
  'PostgreSQL server binaries not found. Install them with:\n' +
  '  sudo apt-get install -y postgresql   # Debian/Ubuntu; provides /usr/lib/postgresql/<major>/bin/initdb\n' +
  'or set PG_BIN to the directory holding initdb and pg_ctl.';

export const findPgBin = (): string | undefined => {
  if (process.env.PG_BIN !== undefined) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
};

export type Cluster = {
  socketDir: string;
  port: number;
  version: string;
  /** postgres://postgres@127.0.0.1:<port>/postgres (with `tcp`; trust authentication). */
  url: string;
  /** pg_ctl restart: `immediate` is a crash (no checkpoint, sessions cut), then recovery. */
  restart(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server at once (sessions cut), keeping its data; start() brings it back. */
  pause(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes everything. */
  stop(): void;
};

export type ClusterOptions = {
  /** Listen on 127.0.0.1 too (default: the Unix socket only). */
  tcp?: boolean;
  /** listen_addresses when not just 127.0.0.1 (`*`), and the networks trusted from there. */
  listen?: string;
  trustNetworks?: string[];
};

export const startCluster = (
  port: number,
  { tcp = false, listen, trustNetworks = [] }: ClusterOptions = {},
): Cluster => {
  const bin = findPgBin();
  if (bin === undefined) throw new Error(INSTALL_HINT);
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-pg-'));
  // initdb refuses to run as root: run the server as the package's `postgres` user then.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), 0);
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
  const run = (tool: string, args: string[]) => execFileSync(...command(tool, args), { stdio: 'pipe' });
  // Off the event loop: a test's clients keep talking to the app while the server restarts.
  const runAsync = async (tool: string, args: string[]) => void (await promisify(execFile)(...command(tool, args)));
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-instructions']);
  const listenOn = listen ?? (tcp ? '127.0.0.1' : '');
  if (trustNetworks.length > 0) {
    const hba = join(data, 'pg_hba.conf');
    appendFileSync(hba, trustNetworks.map((net) => `host all all ${net} trust\n`).join(''));
  }
  const startArgs = () => [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses='${listenOn}' -c max_connections=300`,
    'start',
  ];
  run('pg_ctl', startArgs());
  const version = run('pg_ctl', ['--version']).toString().trim();
  return {
    socketDir: dir,
    port,
    version,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // -l again: without it the new server writes to pg_ctl's stdout, and holds that pipe open.
    restart: (mode = 'immediate') =>
      runAsync('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-m', mode, '-w', 'restart']),
    pause: () => runAsync('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    start: () => runAsync('pg_ctl', startArgs()),
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped (a test paused it)
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
};
