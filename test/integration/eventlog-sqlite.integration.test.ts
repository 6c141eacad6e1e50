import { join } from 'node:path';
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

describe('sqlite log specifics', () => {
  it('runs in WAL mode with synchronous=FULL and survives reopening', async () => {
    const dir = tempDir();
    const path = join(dir.path, 'nested', 'events.db');
    const log = createSqliteLog({ path });
    await log.append('s-1', [{ type: 'A', data: { a: 1 } }], 'no_stream');
    await log.close();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
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
});
