import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

// Opening the SQLite log's file: private from the first byte, in WAL mode, with the schema,
// and migrated when an older version wrote it. Several processes may do this at once (two
// replicas starting together on a fresh volume). The log itself is sqlite.ts.

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  commit_end  INTEGER,
  UNIQUE (stream_id, revision)
);`;

// A log written before appends across streams has no commit_end: every row was its own commit.
const MIGRATE_COMMIT_END = 'ALTER TABLE events ADD COLUMN commit_end INTEGER';

// Switching a new file to WAL takes an exclusive lock, and SQLite answers another process
// doing the same at that moment with SQLITE_BUSY at once, without calling the busy handler
// (two replicas starting together on a fresh volume: ~3% of such opens failed). Only at
// start-up, so a short blocking pause between tries is fine.
const pause = new Int32Array(new SharedArrayBuffer(4));
const whileBusy = <T>(step: () => T, timeoutMs = 5_000): T => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return step();
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
};

/**
 * The log holds customers' names and numbers: only our user may read it. SQLite creates its
 * -wal and -shm files with the database file's own mode, so creating that file 0600 before
 * SQLite opens it is enough; files an older version created 0644 are tightened here.
 */
const keepPrivate = (path: string): void => {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
};

/** The open database, and whether its rows can say where their commit ends (commit_end). */
export const openSqliteFile = (path: string, readonly: boolean): { db: Database.Database; hasCommitEnd: boolean } => {
  if (!readonly) keepPrivate(path);
  const db = new Database(path, { readonly, fileMustExist: readonly });
  // First: two processes opening one new file race for the lock that WAL mode and the schema take.
  db.pragma('busy_timeout = 5000');
  if (!readonly) {
    whileBusy(() => db.pragma('journal_mode = WAL'));
    db.pragma('synchronous = NORMAL'); // + the log's own WAL sync after each commit (sqlite.ts)
    whileBusy(() => db.exec(SCHEMA));
  }
  const hasCommitEnd = (): boolean =>
    (db.prepare('PRAGMA table_info(events)').all() as Array<{ name: string }>).some((c) => c.name === 'commit_end');
  if (!readonly && !hasCommitEnd()) {
    // Two processes may migrate together: the loser finds the column there.
    whileBusy(() => {
      if (!hasCommitEnd()) db.exec(MIGRATE_COMMIT_END);
    });
  }
  return { db, hasCommitEnd: hasCommitEnd() };
};
