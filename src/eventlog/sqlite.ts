import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { type Clock, systemClock } from '../clock.js';
import { createFollowers } from './follower.js';
import {
  type AppendResult,
  type EventLog,
  type ExpectedRevision,
  type NewEvent,
  revisionMatches,
  type StoredEvent,
  VersionConflictError,
} from './port.js';

// The embedded default log: one SQLite file, WAL, synchronous=FULL (an acknowledged
// append survives power loss). Appends that arrive in the same turn of the event loop are
// committed in one transaction (group commit) and each is acknowledged only after that
// commit. UNIQUE(stream_id, revision) is the concurrency guard, also across processes
// sharing the file: BEGIN IMMEDIATE takes the write lock before the revision check.

export type SqliteLogOptions = {
  path: string;
  clock?: Pick<Clock, 'now'>;
  /** How often to look for other processes' commits while someone is subscribed. */
  pollMs?: number;
  /** Open an existing log for reading only (verification while a server may be running). */
  readonly?: boolean;
};

type Row = {
  position: number;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
};

type PendingAppend = {
  streamId: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);`;

const toStored = (row: Row): StoredEvent => ({
  streamId: row.stream_id,
  revision: row.revision,
  position: row.position,
  type: row.type,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata),
  recordedAt: row.recorded_at,
});

export const createSqliteLog = (options: SqliteLogOptions): EventLog => {
  const clock = options.clock ?? systemClock;
  const readonly = options.readonly ?? false;
  if (!readonly) mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { readonly, fileMustExist: readonly });
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
  }
  db.pragma('busy_timeout = 5000');

  const headOf = db.prepare<[string], { revision: number | null }>(
    'SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?',
  );
  const insert = db.prepare(
    'INSERT INTO events (stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const selectStream = db.prepare<[string], Row>('SELECT * FROM events WHERE stream_id = ? ORDER BY revision');
  const selectAll = db.prepare<[number, number], Row>(
    'SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?',
  );

  const appendOne = db.transaction((p: PendingAppend): AppendResult => {
    const actual = headOf.get(p.streamId)?.revision ?? -1;
    if (!revisionMatches(p.expected, actual)) {
      throw new VersionConflictError(p.streamId, p.expected, actual < 0 ? 'no_stream' : actual);
    }
    const recordedAt = new Date(clock.now()).toISOString();
    let revision = actual;
    let position = 0;
    for (const event of p.events) {
      revision += 1;
      const info = insert.run(
        p.streamId,
        revision,
        event.type,
        JSON.stringify(event.data),
        JSON.stringify(event.metadata ?? {}),
        recordedAt,
      );
      position = Number(info.lastInsertRowid);
    }
    return { nextRevision: revision, position };
  });

  // Each append runs in its own savepoint inside the batch, so one conflict rolls back only
  // that append; the batch commits (one fsync) before anyone is told anything.
  const commitBatch = db.transaction((batch: PendingAppend[]) =>
    batch.map((p): { ok: AppendResult } | { error: unknown } => {
      try {
        return { ok: appendOne(p) };
      } catch (error) {
        if (error instanceof VersionConflictError) return { error };
        throw error;
      }
    }),
  );

  let pending: PendingAppend[] = [];
  let flushScheduled: Promise<void> | null = null;
  let closed = false;
  const followers = createFollowers((from, limit) => selectAll.all(from, limit).map(toStored));

  const flush = (): void => {
    const batch = pending;
    pending = [];
    flushScheduled = null;
    let outcomes: ReturnType<typeof commitBatch>;
    try {
      outcomes = commitBatch.immediate(batch);
    } catch (error) {
      // The whole batch is in doubt only if the commit itself failed: SQLite rolled it back.
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i];
      if (outcome !== undefined && 'ok' in outcome) p.resolve(outcome.ok);
      else p.reject(outcome?.error);
    });
    followers.wake();
  };

  // Another process's commit bumps data_version on our connection; look only when someone listens.
  let lastDataVersion = db.pragma('data_version', { simple: true }) as number;
  const poll = setInterval(() => {
    if (followers.size === 0 || closed) return;
    const version = db.pragma('data_version', { simple: true }) as number;
    if (version !== lastDataVersion) {
      lastDataVersion = version;
      followers.wake();
    }
  }, options.pollMs ?? 50);
  poll.unref();

  return {
    kind: `sqlite (${options.path})`,

    append: (streamId, events, expected) => {
      if (closed) return Promise.reject(new Error('event log is closed'));
      if (readonly) return Promise.reject(new Error('event log is open read-only'));
      if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
      return new Promise<AppendResult>((resolve, reject) => {
        pending.push({ streamId, events, expected, resolve, reject });
        flushScheduled ??= new Promise<void>((done) =>
          setImmediate(() => {
            flush();
            done();
          }),
        );
      });
    },

    readStream: async (streamId) => selectStream.all(streamId).map(toStored),

    readAll: async (fromPosition, limit) => selectAll.all(fromPosition, limit).map(toStored),

    subscribe: (subscribeOptions) => followers.subscribe(subscribeOptions),

    close: async () => {
      if (closed) return;
      closed = true;
      await flushScheduled;
      clearInterval(poll);
      followers.closeAll();
      db.close();
    },
  };
};
