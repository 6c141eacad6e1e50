import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../clock.js';
import { createFollowers } from './follower.js';
import { numberWrite, refuseConflicts } from './numbering.js';
import { checkWrites, type EventLog, type MultiAppendResult, type StoredEvent, type StreamWrite } from './port.js';
import { type PgRow, type PostgresLogOptions, poolConfigOf, sqlOf, toStored, unavailable } from './postgres-parts.js';
import { LOCK_CLASS, lockKeyOf, maskedUrl, migrate, SCHEMA_NAME, schemaExists } from './postgres-schema.js';

// PostgreSQL as the shared log of several app processes, over node-postgres. One table of
// events (postgres-schema.ts); UNIQUE(stream_id, revision) backs the revision checks.
//
// Gap-free following. Positions taken from a sequence are handed out when a transaction
// asks, not when it commits: a transaction holding position 7 may commit after one holding
// 8, and a follower that has read 8 and asks for "position > 8" never sees 7. We avoid that
// by ordering the commits themselves: every append transaction first takes one
// transaction-level advisory lock (pg_advisory_xact_lock, per log schema), then reads the
// highest position and numbers its events after it, and holds the lock until COMMIT (the
// server releases it only after the commit is visible). So positions are dense and commit
// in position order: whatever "position > p" finds, nothing below it is still to come. The
// cost is one appending transaction at a time across all processes; appends waiting in a
// process go into its next transaction together (group commit), which keeps throughput up.
// (The alternative, Emmett's, reads by transaction id below pg_snapshot_xmin; it lets
// appends run in parallel but turns the position into a (xid, position) checkpoint.)
//
// Following: each commit NOTIFYs the log's channel (delivered only if it commits) and every
// process LISTENs on one connection of its own; a notification wakes the followers, which
// read on from their position (createFollowers). A slow poll while someone follows covers a
// notification lost with a dropped connection.
//
// Foreign writes: the mark moves when another process announces itself (it NOTIFYs "hello"
// when it opens, before it can write), when another's commit is heard of, when our own
// commit finds the log longer than we knew, and when the listening connection drops (what
// was missed is unknown). The engine trusts "alone" (its read models are the whole truth)
// only while the mark has not moved: with one process on a database that is all the time,
// and with several it ends as soon as the second announces itself.

export type { PostgresLogOptions } from './postgres-parts.js';

const HELLO = 'hello';

/** The log, and `ready()`: resolves once it listens and its arrival has been announced. */
export type PostgresLog = EventLog & { ready(): Promise<void> };

export const createPostgresLog = (options: PostgresLogOptions): PostgresLog => {
  const schema = options.schema ?? 'holdfast';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`schema "${schema}" must match ${SCHEMA_NAME}`);
  const clock: Pick<Clock, 'now'> = options.clock ?? systemClock;
  const logger: Logger | undefined = options.logger;
  const readonly = options.readonly ?? false;
  const sql = sqlOf(schema);
  const channel = `holdfast_log_${schema}`;
  const key = lockKeyOf(schema);
  const writer = randomUUID();
  const config = poolConfigOf(options);
  const pool = new pg.Pool(config);

  let closed = false;
  /** Why the server cannot be reached right now, if it cannot (cleared when it can again). */
  let outage: Error | undefined;
  let foreign = 0;
  /** The highest position this process knows to be committed. */
  let knownHead = 0;
  const noteForeign = (): void => {
    foreign += 1;
  };
  const lostTouch = (error: unknown): void => {
    if (closed) return;
    const cause = error instanceof Error ? error : new Error(String(error));
    // The message and code only: a pool error carries its whole client (and connection string).
    const why = { message: cause.message, code: (cause as { code?: unknown }).code };
    if (outage === undefined) logger?.warn({ error: why }, 'postgres unreachable: refusing commands until it is back');
    outage = cause;
    noteForeign(); // we may miss what others write meanwhile
  };
  // An idle pooled connection the server dropped: the pool replaces it; nothing to crash over.
  pool.on('error', (error) => lostTouch(error));

  /**
   * A pooled connection for several statements. The pool listens for errors only on idle
   * connections: one that dies between our statements would emit an unhandled 'error' and
   * take the process down, so we listen while we hold it (the next statement fails anyway).
   */
  const checkOut = async (): Promise<{ client: pg.PoolClient; release(broken?: boolean): void }> => {
    const client = await pool.connect();
    const onError = (error: Error): void => lostTouch(error);
    client.on('error', onError);
    return {
      client,
      release: (broken = false) => {
        client.removeListener('error', onError);
        client.release(broken);
      },
    };
  };

  // ---- schema ------------------------------------------------------------------------------
  let schemaReady = false;
  let migrating: Promise<void> | undefined;
  const ensureSchema = async (): Promise<void> => {
    if (schemaReady) return;
    migrating ??= (async () => {
      const { client, release } = await checkOut();
      let ok = false;
      try {
        if (!readonly) await migrate(client, schema);
        else if (!(await schemaExists(client, schema))) throw new Error(`no Holdfast log in schema ${schema}`);
        schemaReady = true;
        ok = true;
      } finally {
        release(!ok);
      }
    })().finally(() => {
      migrating = undefined;
    });
    return migrating;
  };
  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> => {
    await ensureSchema();
    try {
      const result = await pool.query<R>(text, values);
      reachable();
      return result.rows;
    } catch (error) {
      if (unavailable(error)) lostTouch(error);
      throw error;
    }
  };

  const readAll = async (fromPosition: number, limit: number): Promise<StoredEvent[]> =>
    (await query<PgRow>(sql.selectAll, [fromPosition, limit])).map(toStored);
  const followers = createFollowers(readAll);

  /** The server answered: the outage is over, if we are listening again too. */
  const reachable = (): void => {
    if (outage === undefined || listener === undefined) return;
    logger?.info('postgres reachable again');
    outage = undefined;
  };

  // ---- listening ---------------------------------------------------------------------------
  let listener: pg.Client | undefined;
  let retryMs = 100;
  let helloHeard: () => void = () => {};
  const heardOwnHello = new Promise<void>((resolve) => (helloHeard = resolve));
  const onNotification = (message: pg.Notification): void => {
    const [from, what] = (message.payload ?? '').split(' ');
    if (from === writer) {
      if (what === HELLO) helloHeard();
      return;
    }
    noteForeign();
    const end = Number(what);
    if (Number.isInteger(end) && end > knownHead) knownHead = end;
    followers.wake();
  };
  const listen = async (): Promise<void> => {
    if (closed) return;
    const client = new pg.Client({ ...config, application_name: `holdfast-listen:${schema}` });
    let dropped = false;
    const drop = (error: unknown): void => {
      if (dropped) return;
      dropped = true;
      if (listener === client) listener = undefined;
      lostTouch(error);
      void client.end().catch(() => undefined);
      if (!closed) setTimeout(() => void listen(), retryMs).unref();
      retryMs = Math.min(retryMs * 2, 5_000);
    };
    client.on('error', drop);
    client.on('end', () => drop(new Error('postgres connection ended')));
    client.on('notification', onNotification);
    try {
      await client.connect();
      await ensureSchema();
      await client.query(`LISTEN ${channel}`);
      // Announce ourselves before we can write: the others stop trusting "alone" (see above).
      if (!readonly) await client.query('SELECT pg_notify($1, $2)', [channel, `${writer} ${HELLO}`]);
      const head = await client.query<{ head: string }>(sql.head);
      const committed = Number(head.rows[0]?.head ?? 0);
      if (committed > knownHead) {
        if (listener !== undefined) noteForeign(); // a reconnect, and someone wrote meanwhile
        knownHead = committed;
      }
      if (closed) {
        await client.end();
        return;
      }
      listener = client;
      retryMs = 100;
      if (outage !== undefined) logger?.info('postgres reachable again');
      outage = undefined;
      followers.wake(); // read what was committed while we were not listening
    } catch (error) {
      drop(error);
    }
  };
  const listening = listen();

  const poll = setInterval(() => {
    if (followers.size > 0 && !closed) followers.wake();
  }, options.pollMs ?? 1_000);
  poll.unref();

  // ---- appending ---------------------------------------------------------------------------
  type PendingAppend = {
    writes: readonly StreamWrite[];
    resolve(result: MultiAppendResult): void;
    reject(error: unknown): void;
  };
  let pending: PendingAppend[] = [];
  let committing: Promise<void> | undefined;

  /** One transaction for every append waiting: a conflicting one is refused alone. */
  const commitBatch = async (batch: PendingAppend[]): Promise<void> => {
    let client: pg.PoolClient;
    let release: (broken?: boolean) => void;
    try {
      await ensureSchema();
      ({ client, release } = await checkOut());
    } catch (error) {
      if (unavailable(error)) lostTouch(error);
      for (const p of batch) p.reject(error); // nothing was sent: not in doubt
      return;
    }
    let broken = false;
    try {
      // One round trip: the lock first, then (a statement of its own, so a snapshot taken after
      // the lock is granted, i.e. after the previous holder's commit is visible) the head.
      const [, , headResult] = (await client.query(
        `BEGIN; SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${key}); ${sql.head}`,
      )) as unknown as pg.QueryResult<{ head: string }>[];
      let position = Number(headResult?.rows[0]?.head ?? 0);
      if (position > knownHead) noteForeign();
      const streamIds = [...new Set(batch.flatMap((p) => p.writes.map((w) => w.streamId)))];
      const heads = new Map<string, number>();
      for (const row of (await client.query<{ stream_id: string; revision: number }>(sql.heads, [streamIds])).rows) {
        heads.set(row.stream_id, row.revision);
      }
      const recordedAt = new Date(clock.now()).toISOString();
      const columns: unknown[][] = [[], [], [], [], [], [], [], []];
      const written: StoredEvent[] = [];
      const headOf = (streamId: string) => heads.get(streamId) ?? -1;
      const outcomes = batch.map((p): { ok: MultiAppendResult } | { error: unknown } => {
        try {
          refuseConflicts(p.writes, headOf);
        } catch (error) {
          return { error }; // refused alone; the others in the batch go on
        }
        const ok = numberWrite(p.writes, headOf, position, ({ streamId, revision, position: at, commitEnd, event }) => {
          const data = JSON.stringify(event.data);
          const metadata = JSON.stringify(event.metadata ?? {});
          [at, streamId, revision, event.type, data, metadata, recordedAt, commitEnd].forEach(
            (value, i) => void columns[i]?.push(value),
          );
          written.push({
            streamId,
            revision,
            position: at,
            type: event.type,
            data: JSON.parse(data),
            metadata: JSON.parse(metadata),
            recordedAt,
            ...(commitEnd !== null && { lastOfCommit: commitEnd }),
          });
        });
        position = ok.position;
        for (const { streamId, nextRevision } of ok.streams) heads.set(streamId, nextRevision);
        return { ok };
      });
      if (written.length > 0) {
        await client.query(sql.insert, columns);
        await options.beforeCommit?.();
        await client.query('SELECT pg_notify($1, $2)', [channel, `${writer} ${position}`]);
      }
      await client.query('COMMIT');
      if (written.length > 0) knownHead = position;
      reachable();
      batch.forEach((p, i) => {
        const outcome = outcomes[i];
        if (outcome !== undefined && 'ok' in outcome) p.resolve(outcome.ok);
        else p.reject(outcome?.error);
      });
      // The lock was held to COMMIT: nobody wrote between these rows.
      if (written.length > 0) followers.wake(written);
    } catch (error) {
      broken = true;
      if (unavailable(error)) lostTouch(error);
      await client.query('ROLLBACK').catch(() => undefined);
      // In doubt if the connection died around COMMIT: the engine reloads what it touched.
      for (const p of batch) p.reject(error);
    } finally {
      release(broken);
    }
  };

  const flush = (): void => {
    if (committing !== undefined || pending.length === 0) return;
    const batch = pending;
    pending = [];
    committing = commitBatch(batch).finally(() => {
      committing = undefined;
      flush();
    });
  };

  const enqueue = (writes: readonly StreamWrite[]): Promise<MultiAppendResult> => {
    if (closed) return Promise.reject(new Error('event log is closed'));
    if (readonly) return Promise.reject(new Error('event log is open read-only'));
    try {
      checkWrites(writes);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<MultiAppendResult>((resolve, reject) => {
      pending.push({ writes, resolve, reject });
      if (committing === undefined) setImmediate(flush);
    });
  };

  const log: PostgresLog = {
    kind: `postgres (${maskedUrl(options.connectionString)}, schema ${schema})`,
    append: async (streamId, events, expected) => {
      const result = await enqueue([{ streamId, events, expected }]);
      return { nextRevision: result.streams[0]?.nextRevision ?? -1, position: result.position };
    },
    appendMany: enqueue,
    readStream: async (streamId) => (await query<PgRow>(sql.selectStream, [streamId])).map(toStored),
    headRevision: async (streamId) => {
      const rows = await query<{ revision: number | null }>(sql.headOf, [streamId]);
      return rows[0]?.revision ?? -1;
    },
    // NaN once closed: equal to nothing, so nobody takes a closed log for a quiet one.
    foreignWriteMark: () => (closed ? Number.NaN : foreign),
    outage: () => outage,
    readAll,
    subscribe: (subscribeOptions) => followers.subscribe(subscribeOptions),
    close: async () => {
      if (closed) return;
      closed = true;
      // Appends taken before the close are committed (or refused) first.
      while (committing !== undefined || pending.length > 0) {
        flush();
        await (committing ?? new Promise<void>((resolve) => setImmediate(resolve)));
      }
      clearInterval(poll);
      followers.closeAll();
      await listening.catch(() => undefined);
      await listener?.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
    ready: async () => {
      await listening;
      // Our own "hello" is back: the others' listeners have had it too.
      if (!readonly) await Promise.race([heardOwnHello, new Promise((r) => setTimeout(r, 2_000).unref())]);
    },
  };
  return log;
};
