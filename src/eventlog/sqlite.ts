import { closeSync, fdatasync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { type Clock, systemClock } from '../clock.js';
import { createFollowers } from './follower.js';
import { numberWrite, refuseConflicts } from './numbering.js';
import {
  checkWrites,
  type EventLog,
  type MultiAppendResult,
  type StoredEvent,
  type StreamWrite,
  VersionConflictError,
} from './port.js';
import { openSqliteFile } from './sqlite-file.js';

// The embedded default log: one SQLite file in WAL mode, and an acknowledged append
// survives power loss. Appends that arrive in the same turn of the event loop are committed
// in one transaction (group commit). UNIQUE(stream_id, revision) is the concurrency guard,
// also across processes sharing the file: BEGIN IMMEDIATE takes the write lock before the
// revision check.
//
// Durability is SQLite's synchronous=FULL, with its one fsync moved off the event loop.
// FULL is NORMAL plus an fsync of the WAL after every commit, and that fsync blocked the
// event loop for ~14% of its time under load (docs/decisions/wal-sync.md). So:
// synchronous=NORMAL (SQLite still syncs around checkpoints and when the WAL is reused) and,
// after each commit, fdatasync of the WAL on libuv's thread pool; only when it returns are
// the batch's appends acknowledged and their events handed to followers (read models,
// WebSocket pushes). WAL frames are written in order and checksum-chained, so one sync
// covers every commit before it; appends that arrive during a sync wait and go into the next
// commit together. If a sync fails, the pages it was flushing may be gone while later ones
// could still land: a WAL whose chain breaks there would lose acknowledged commits after
// it, so the log refuses every append from then on. Opening the file: sqlite-file.ts.

export type SqliteLogOptions = {
  path: string;
  clock?: Pick<Clock, 'now'>;
  /** How often to look for other processes' commits while someone is subscribed. */
  pollMs?: number;
  /** Open an existing log for reading only (verification while a server may be running). */
  readonly?: boolean;
  /** Makes the WAL durable; node's `fs.fdatasync` unless a test needs to hold or fail it. */
  syncWal?: (fd: number, done: (error: Error | null) => void) => void;
};

/** A row as `SELECT ${COLUMNS}` returns it in raw (array) mode, cheaper than an object per row. */
type Row = [
  position: number,
  streamId: string,
  revision: number,
  type: string,
  data: string,
  metadata: string,
  recordedAt: string,
  commitEnd: number | null,
];
const columns = (hasCommitEnd: boolean) =>
  `position, stream_id, revision, type, data, metadata, recorded_at, ${hasCommitEnd ? 'commit_end' : 'NULL'}`;

type PendingAppend = {
  writes: readonly StreamWrite[];
  resolve(result: MultiAppendResult): void;
  reject(error: unknown): void;
};

const toStored = ([position, streamId, revision, type, data, metadata, recordedAt, commitEnd]: Row): StoredEvent => ({
  streamId,
  revision,
  position,
  type,
  data: JSON.parse(data),
  metadata: JSON.parse(metadata),
  recordedAt,
  ...(commitEnd !== null && { lastOfCommit: commitEnd }),
});

export const createSqliteLog = (options: SqliteLogOptions): EventLog => {
  const clock = options.clock ?? systemClock;
  const readonly = options.readonly ?? false;
  const { db, hasCommitEnd } = openSqliteFile(options.path, readonly);
  const COLUMNS = columns(hasCommitEnd); // no commit_end only in an old file opened read-only

  const selectHead = db.prepare<[string], { revision: number | null }>(
    'SELECT MAX(revision) AS revision FROM events WHERE stream_id = ?',
  );
  // Prepared on the first append: an old file opened read-only has no commit_end to insert into.
  let insertStatement: Database.Statement | undefined;
  const insert = (): Database.Statement =>
    (insertStatement ??= db.prepare(
      'INSERT INTO events (position, stream_id, revision, type, data, metadata, recorded_at, commit_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ));
  // Positions are given, not left to AUTOINCREMENT, so an append's rows can say where it ends.
  // Read once per transaction, under the write lock: nobody else can take one meanwhile.
  const lastPosition = db
    .prepare<[], number>("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)")
    .pluck();
  // Replay reads a million rows at start-up: arrays, not an object per row.
  const selectStream = db
    .prepare<[string], Row>(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? ORDER BY revision`)
    .raw(true);
  // Changes when another connection commits, never for our own: SQLite's own answer to
  // "has anyone else written?" (a read of the WAL index, no query plan, ~3 µs).
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  const selectAll = db
    .prepare<[number, number, number], Row>(
      `SELECT ${COLUMNS} FROM events WHERE position > ? AND position < ? ORDER BY position LIMIT ?`,
    )
    .raw(true);

  // Checks every stream's head, then inserts; hands back what it wrote, as a reader would see
  // it, so the followers can be fed from the commit instead of reading it back (see
  // createFollowers' wake). A conflict is found before anything is written, so an append
  // needs no savepoint of its own: two statements per append saved on every command.
  const appendWrites = (p: PendingAppend, written: StoredEvent[], next: { position: number }): MultiAppendResult => {
    const headOf = (streamId: string) => selectHead.get(streamId)?.revision ?? -1;
    refuseConflicts(p.writes, headOf);
    const recordedAt = new Date(clock.now()).toISOString();
    const result = numberWrite(
      p.writes,
      headOf,
      next.position,
      ({ streamId, revision, position, commitEnd, event }) => {
        const data = JSON.stringify(event.data);
        const metadata = JSON.stringify(event.metadata ?? {});
        insert().run(position, streamId, revision, event.type, data, metadata, recordedAt, commitEnd);
        written.push(toStored([position, streamId, revision, event.type, data, metadata, recordedAt, commitEnd]));
      },
    );
    next.position = result.position;
    return result;
  };

  // One transaction per batch: a conflicting append is refused alone, any other error rolls
  // the whole batch back, and it commits (one fsync) before anyone is told anything.
  const commitBatch = db.transaction((batch: PendingAppend[], written: StoredEvent[]) => {
    const next = { position: lastPosition.get() as number };
    return batch.map((p): { ok: MultiAppendResult } | { error: unknown } => {
      try {
        return { ok: appendWrites(p, written, next) };
      } catch (error) {
        if (error instanceof VersionConflictError) return { error };
        throw error;
      }
    });
  });

  let pending: PendingAppend[] = [];
  let flushScheduled = false;
  let closed = false;
  // The commit whose WAL sync is in flight. Appends that arrive meanwhile wait and go into
  // the next commit: one commit and one sync at a time keeps batches as large as when the
  // sync blocked the loop (committing beside a sync made more, smaller commits: +13% CPU).
  let syncing: { firstPosition: number; done: Promise<void> } | null = null;
  let failed: Error | undefined;
  let walFd: number | undefined;
  const syncWal = options.syncWal ?? fdatasync;

  // Followers (read models, pushes) never read our own commit before its sync has returned.
  const ceiling = (): number => syncing?.firstPosition ?? Number.MAX_SAFE_INTEGER;
  const followers = createFollowers((from, limit) => selectAll.all(from, ceiling(), limit).map(toStored));

  const settle = (batch: PendingAppend[], outcomes: ReturnType<typeof commitBatch>, error?: Error): void => {
    batch.forEach((p, i) => {
      const outcome = outcomes[i];
      if (error !== undefined) p.reject(error);
      else if (outcome !== undefined && 'ok' in outcome) p.resolve(outcome.ok);
      else p.reject(outcome?.error);
    });
  };

  const enqueue = <T>(writes: readonly StreamWrite[], answer: (result: MultiAppendResult) => T): Promise<T> => {
    if (closed) return Promise.reject(new Error('event log is closed'));
    if (failed !== undefined) return Promise.reject(failed);
    if (readonly) return Promise.reject(new Error('event log is open read-only'));
    try {
      checkWrites(writes);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      pending.push({ writes, resolve: (result) => resolve(answer(result)), reject });
      scheduleFlush();
    });
  };

  const scheduleFlush = (): void => {
    if (flushScheduled || syncing !== null || pending.length === 0) return;
    flushScheduled = true;
    setImmediate(flush);
  };

  function flush(): void {
    flushScheduled = false;
    const batch = pending;
    pending = [];
    if (failed !== undefined) {
      for (const p of batch) p.reject(failed);
      return;
    }
    let outcomes: ReturnType<typeof commitBatch>;
    const written: StoredEvent[] = [];
    try {
      outcomes = commitBatch.immediate(batch, written);
    } catch (error) {
      // The whole batch is in doubt only if the commit itself failed: SQLite rolled it back.
      for (const p of batch) p.reject(error);
      return;
    }
    const first = written[0];
    if (first === undefined) {
      settle(batch, outcomes); // only conflicts: nothing to make durable
      return;
    }
    let release = (): void => {};
    syncing = { firstPosition: first.position, done: new Promise<void>((resolve) => (release = resolve)) };
    const finish = (error: Error | null): void => {
      if (error !== null) failed ??= new Error(`event log failed: syncing the WAL failed (${error.message})`);
      settle(batch, outcomes, error === null ? undefined : failed);
      syncing = null;
      release();
      // The write lock was held from BEGIN IMMEDIATE to COMMIT: nobody wrote between these rows.
      if (error === null) followers.wake(written);
      scheduleFlush();
    };
    try {
      walFd ??= openSync(`${options.path}-wal`, 'r');
      syncWal(walFd, finish);
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
    }
  }

  // Another process's commit bumps data_version on our connection; look only when someone listens.
  let lastDataVersion = dataVersion.get() as number;
  const poll = setInterval(() => {
    if (followers.size === 0 || closed) return;
    const version = dataVersion.get() as number;
    if (version !== lastDataVersion) {
      lastDataVersion = version;
      followers.wake();
    }
  }, options.pollMs ?? 50);
  poll.unref();

  const log: EventLog = {
    kind: `sqlite (${options.path})`,

    // One stream: the same path without an extra promise per command (the hot path).
    append: (streamId, events, expected) =>
      enqueue([{ streamId, events, expected }], (result) => ({
        nextRevision: result.streams[0]?.nextRevision ?? -1,
        position: result.position,
      })),

    appendMany: (writes) => enqueue(writes, (result) => result),

    readStream: async (streamId) => selectStream.all(streamId).map(toStored),

    headRevision: async (streamId) => selectHead.get(streamId)?.revision ?? -1,

    // NaN once closed: equal to nothing, so nobody takes a closed log for a quiet one.
    foreignWriteMark: () => (closed ? Number.NaN : (dataVersion.get() as number)),

    failure: () => failed,

    readAll: async (fromPosition, limit) => selectAll.all(fromPosition, Number.MAX_SAFE_INTEGER, limit).map(toStored),

    subscribe: (subscribeOptions) => followers.subscribe(subscribeOptions),

    close: async () => {
      if (closed) return;
      closed = true;
      // Appends taken before the close are committed and synced (or refused) first.
      while (flushScheduled || syncing !== null) {
        await (syncing?.done ?? new Promise<void>((resolve) => setImmediate(resolve)));
      }
      clearInterval(poll);
      followers.closeAll();
      if (walFd !== undefined) closeSync(walFd);
      db.close();
    },
  };
  return log;
};
