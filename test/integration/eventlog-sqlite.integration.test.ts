import { spawn } from 'node:child_process';
import { existsSync, fdatasync, fstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createSqliteLog } from '../../src/eventlog/sqlite.js';
import { eventLogContract } from '../support/eventlog-contract.js';
import { tempDir } from '../support/fixtures.js';

eventLogContract('sqlite (file)', () => {
  const dir = tempDir();
  const path = join(dir.path, 'events.db');
  return {
    open: () => createSqliteLog({ path, pollMs: 10 }),
    openAnother: () => createSqliteLog({ path, pollMs: 10 }),
    cleanup: () => dir.remove(),
  };
});

// Each child opens the log (the built module: children run plain node) at one agreed instant.
const BUILT = join(import.meta.dirname, '../../dist/src/eventlog/sqlite.js');
const OPEN_AT_ONCE = `
const { createSqliteLog } = await import(process.argv[1]);
const at = Number(process.argv[3]);
while (Date.now() < at) {}
try { await createSqliteLog({ path: process.argv[2] }).close(); console.log('opened'); }
catch (error) { console.log('failed', error.code, error.message); }`;
const openTogether = (path: string, processes: number): Promise<string[]> => {
  const at = String(Date.now() + 400);
  return Promise.all(
    Array.from(
      { length: processes },
      () =>
        new Promise<string>((resolve) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', OPEN_AT_ONCE, BUILT, path, at]);
          let out = '';
          child.stdout.on('data', (chunk) => (out += String(chunk)));
          child.stderr.on('data', (chunk) => (out += String(chunk)));
          child.on('exit', () => resolve(out.trim()));
        }),
    ),
  );
};

describe('sqlite log specifics', () => {
  it('opens when several processes open one new file at the same instant (no SQLITE_BUSY at start-up)', async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run "npm run build" (npm test does) first`);
    const dir = tempDir();
    try {
      // Before the fix ~3% of such opens failed with SQLITE_BUSY: 15 rounds of 4 caught it ~9 runs in 10.
      for (let round = 0; round < 15; round += 1) {
        const outcomes = await openTogether(join(dir.path, `round-${round}.db`), 4);
        expect(outcomes).toEqual(['opened', 'opened', 'opened', 'opened']);
      }
    } finally {
      dir.remove();
    }
  }, 60_000);

  it('takes a log written before appends across streams (no commit_end column) and carries on', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'old.db');
    try {
      const old = new Database(path);
      old.exec(`CREATE TABLE events (
        position INTEGER PRIMARY KEY AUTOINCREMENT, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
        type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL,
        UNIQUE (stream_id, revision))`);
      const row = old.prepare(
        "INSERT INTO events (stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, 'A', '{}', '{}', '2026-01-01T00:00:00.000Z')",
      );
      row.run('s-1', 0);
      row.run('s-1', 1);
      old.close();
      // Read-only (verify) reads it as it is: each old event its own commit.
      const reader = createSqliteLog({ path, readonly: true });
      expect((await reader.readAll(0, 10)).map((e) => [e.position, e.lastOfCommit])).toEqual([
        [1, undefined],
        [2, undefined],
      ]);
      await reader.close();
      // Opened to write, it gains the column and appends across streams after the old rows.
      const log = createSqliteLog({ path });
      const { position } = await log.appendMany([
        { streamId: 's-1', events: [{ type: 'B', data: {} }], expected: 1 },
        { streamId: 's-2', events: [{ type: 'C', data: {} }], expected: 'no_stream' },
      ]);
      expect(position).toBe(4);
      expect((await log.readAll(0, 10)).map((e) => [e.position, e.lastOfCommit])).toEqual([
        [1, undefined],
        [2, undefined],
        [3, 4],
        [4, 4],
      ]);
      await log.close();
    } finally {
      dir.remove();
    }
  });

  it('runs in WAL mode and survives reopening', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'nested', 'events.db');
    const log = createSqliteLog({ path });
    await log.append('s-1', [{ type: 'A', data: { a: 1 } }], 'no_stream');
    await log.close();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    // NORMAL: the sync after each commit is ours, off the event loop (see the next tests).
    expect(raw.pragma('synchronous', { simple: true })).toBe(1);
    raw.close();
    const reopened = createSqliteLog({ path });
    expect((await reopened.readStream('s-1'))[0]?.data).toEqual({ a: 1 });
    await reopened.close();
    dir.remove();
  });

  it('commits appends that arrive together in one transaction (group commit)', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'events.db');
    const log = createSqliteLog({ path });
    const raw = new Database(path, { readonly: true });
    const before = raw.pragma('data_version', { simple: true });
    const acks = await Promise.all(
      Array.from({ length: 100 }, (_, i) => log.append(`s-${i}`, [{ type: 'A', data: {} }], 'no_stream')),
    );
    // One commit by the writer bumps the reader's data_version exactly once.
    expect(raw.pragma('data_version', { simple: true })).toBe((before as number) + 1);
    expect(acks).toHaveLength(100);
    raw.close();
    await log.close();
    dir.remove();
  });

  /** A log whose WAL syncs wait until the test lets each one go (or fail). */
  const heldSyncs = () => {
    const dir = tempDir();
    const path = join(dir.path, 'events.db');
    const waiting: Array<(error: Error | null) => void> = [];
    const log = createSqliteLog({ path, syncWal: (_fd, done) => waiting.push(done) });
    const raw = new Database(path, { readonly: true });
    const commits = () => raw.pragma('data_version', { simple: true }) as number;
    const settled = <T>(promise: Promise<T>) => {
      const state = { done: false };
      promise.then(
        () => (state.done = true),
        () => (state.done = true),
      );
      return state;
    };
    const cleanup = async () => {
      raw.close();
      await log.close();
      dir.remove();
    };
    return { log, waiting, commits, settled, cleanup };
  };

  it('acknowledges an append, and feeds it to subscribers, only once the WAL sync after its commit returns', async () => {
    const { log, waiting, commits, settled, cleanup } = heldSyncs();
    const seen: string[] = [];
    const subscription = log.subscribe({ fromPosition: 0, onEvent: (e) => void seen.push(e.streamId) });
    await subscription.caughtUp;
    const before = commits();
    const first = log.append('s-1', [{ type: 'A', data: {} }], 'no_stream');
    const firstState = settled(first);
    for (let i = 0; i < 5; i += 1) await turn();
    expect(commits()).toBe(before + 1); // committed: other readers of the file may see it ...
    expect(waiting).toHaveLength(1);
    expect(firstState.done).toBe(false); // ... but nobody is told until it is durable
    expect(seen).toEqual([]);

    // Appends that arrive while that sync is out wait for it, then go into one commit.
    const more = ['s-2', 's-3', 's-4'].map((s) => log.append(s, [{ type: 'A', data: {} }], 'no_stream'));
    for (let i = 0; i < 5; i += 1) await turn();
    expect(commits()).toBe(before + 1);
    waiting.shift()?.(null);
    await first;
    for (let i = 0; i < 5; i += 1) await turn();
    expect(seen).toEqual(['s-1']);
    expect(commits()).toBe(before + 2);
    expect(waiting).toHaveLength(1);
    expect(more.map(settled).some((s) => s.done)).toBe(false);
    waiting.shift()?.(null);
    await Promise.all(more);
    for (let i = 0; i < 5; i += 1) await turn();
    expect(seen).toEqual(['s-1', 's-2', 's-3', 's-4']);
    subscription.close();
    await cleanup();
  });

  it('syncs the WAL file itself, once per commit', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'events.db');
    const synced: number[] = [];
    const log = createSqliteLog({
      path,
      syncWal: (fd, done) => {
        synced.push(fstatSync(fd).ino);
        fdatasync(fd, done);
      },
    });
    await Promise.all([1, 2, 3].map((i) => log.append(`s-${i}`, [{ type: 'A', data: {} }], 'no_stream')));
    await log.append('s-4', [{ type: 'A', data: {} }], 'no_stream');
    expect(synced).toEqual([statSync(`${path}-wal`).ino, statSync(`${path}-wal`).ino]);
    await log.close();
    dir.remove();
  });

  it('after a failed WAL sync, refuses the appends it covered and every later one', async () => {
    const { log, waiting, settled, cleanup } = heldSyncs();
    const seen: string[] = [];
    const subscription = log.subscribe({ fromPosition: 0, onEvent: (e) => void seen.push(e.streamId) });
    await subscription.caughtUp;
    const doomed = log.append('s-1', [{ type: 'A', data: {} }], 'no_stream');
    for (let i = 0; i < 5; i += 1) await turn();
    const queued = log.append('s-2', [{ type: 'A', data: {} }], 'no_stream'); // waits for that sync
    const queuedState = settled(queued);
    for (let i = 0; i < 5; i += 1) await turn();
    expect(queuedState.done).toBe(false);
    waiting.shift()?.(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(doomed).rejects.toThrow(/syncing the WAL failed/);
    for (let i = 0; i < 5; i += 1) await turn();
    expect(waiting).toHaveLength(0); // the queued append was never committed
    await expect(queued).rejects.toThrow(/syncing the WAL failed/);
    await expect(log.append('s-3', [{ type: 'A', data: {} }], 'no_stream')).rejects.toThrow(/syncing the WAL failed/);
    for (let i = 0; i < 5; i += 1) await turn();
    expect(seen).toEqual([]);
    subscription.close();
    await cleanup();
  });
});
