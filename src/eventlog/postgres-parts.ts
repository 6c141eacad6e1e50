import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { StoredEvent } from './port.js';

// The PostgreSQL log's options, its statements and the translation of its rows and errors:
// what postgres.ts needs besides the appending and following themselves.

export type PostgresLogOptions = {
  /** `postgres://user:password@host:5432/database` (libpq-style options as node-postgres takes them). */
  connectionString: string;
  /** The schema holding the log's tables; created if missing. Default `holdfast`. */
  schema?: string;
  /** Connections in the pool for reads and appends (one more listens). Default 10. */
  poolSize?: number;
  /** Server-side statement_timeout, ms; the client gives up on a query 2 s after it. Default 5000. */
  statementTimeoutMs?: number;
  clock?: Pick<Clock, 'now'>;
  logger?: Logger;
  /** Open an existing log for reading only (verification): no migration, no announcement. */
  readonly?: boolean;
  /** How often followers read on when no notification came (a lost one). Default 1000. */
  pollMs?: number;
  /** Test seam: runs inside an append's transaction after its rows are written, before COMMIT. */
  beforeCommit?: () => Promise<void>;
};

/** How long the server lets an append's transaction sit idle before ending it (see below). */
export const IDLE_IN_TRANSACTION_MS = 2_000;

export const poolConfigOf = (options: PostgresLogOptions): pg.PoolConfig => {
  const statementTimeout = options.statementTimeoutMs ?? 5_000;
  return {
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    statement_timeout: statementTimeout,
    // Appends commit one at a time under an advisory lock (gap-free following). A process
    // whose link dies mid-append leaves its transaction open on the server, holding that
    // lock, until the server notices (TCP keepalive: hours by default) and every other
    // process's appends would wait on it. An append's statements follow each other within
    // milliseconds, so a transaction idle this long has lost its client: the server ends it.
    idle_in_transaction_session_timeout: Math.min(IDLE_IN_TRANSACTION_MS, statementTimeout),
    // A query on a link that went silent (no RST: a cut cable) fails instead of hanging.
    query_timeout: statementTimeout + 2_000,
    connectionTimeoutMillis: 5_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
    application_name: 'holdfast',
  };
};

export const sqlOf = (schema: string) => {
  const events = `"${schema}".events`;
  const columns = 'position, stream_id, revision, type, data, metadata, recorded_at, commit_end';
  return {
    head: `SELECT COALESCE(MAX(position), 0) AS head FROM ${events}`,
    heads: `SELECT stream_id, MAX(revision) AS revision FROM ${events} WHERE stream_id = ANY($1::text[]) GROUP BY stream_id`,
    headOf: `SELECT MAX(revision) AS revision FROM ${events} WHERE stream_id = $1`,
    selectStream: `SELECT ${columns} FROM ${events} WHERE stream_id = $1 ORDER BY revision`,
    selectAll: `SELECT ${columns} FROM ${events} WHERE position > $1 ORDER BY position LIMIT $2`,
    insert:
      `INSERT INTO ${events} (${columns}) SELECT * FROM unnest(` +
      '$1::bigint[], $2::text[], $3::integer[], $4::text[], $5::json[], $6::json[], $7::timestamptz[], $8::bigint[])',
  };
};

/** A row as node-postgres returns it: bigints as strings, json parsed, timestamptz as a Date. */
export type PgRow = {
  position: string;
  stream_id: string;
  revision: number;
  type: string;
  data: unknown;
  metadata: unknown;
  recorded_at: Date;
  commit_end: string | null;
};

export const toStored = (row: PgRow): StoredEvent => ({
  streamId: row.stream_id,
  revision: row.revision,
  position: Number(row.position),
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  recordedAt: row.recorded_at.toISOString(),
  ...(row.commit_end !== null && { lastOfCommit: Number(row.commit_end) }),
});

/**
 * Whether an error means the server could not be reached or went away (connection refused
 * or reset, a timeout, the server shutting down or restarting), rather than a refused query.
 */
export const unavailable = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return true; // node-postgres' own "Connection terminated…"
  if (/^[0-9A-Z]{5}$/.test(code)) return /^(08|57P|53)/.test(code);
  return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT…
};
