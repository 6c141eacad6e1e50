import type pg from 'pg';

// The PostgreSQL log's tables, created or migrated when a log is opened. Several app
// processes may start together on an empty database: CREATE TABLE IF NOT EXISTS is not
// safe against itself (two sessions can both find the table missing, and the loser fails
// on the catalogue's unique index), so migration runs under a session-level advisory lock,
// and whoever comes second finds the work done. The log itself is postgres.ts.

/** Tables live in their own schema (default `holdfast`): several logs can share a database. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,39}$/;

/** The version this code writes; an older database is migrated step by step up to it. */
const VERSION = 1;

const MIGRATIONS: ReadonlyArray<(schema: string) => string> = [
  // 1: the events, one row each. position is given by the appender (see postgres.ts: commits
  // are ordered, so positions are dense and commit in order); commit_end is the position of
  // the last event of a write of several events (NULL when the write was one event), so a
  // reader can take a commit whole.
  (s) => `
    CREATE TABLE IF NOT EXISTS "${s}".events (
      position    bigint      PRIMARY KEY,
      stream_id   text        NOT NULL,
      revision    integer     NOT NULL,
      type        text        NOT NULL,
      data        json        NOT NULL,
      metadata    json        NOT NULL,
      recorded_at timestamptz NOT NULL,
      commit_end  bigint,
      UNIQUE (stream_id, revision)
    )`,
];

/** A 32-bit key from the schema name: advisory locks of one log never meet another's. */
export const lockKeyOf = (schema: string): number => {
  let hash = 0x811c9dc5; // FNV-1a
  for (const char of schema) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193);
  return hash | 0;
};

/** First key of every advisory lock we take ("HFLG"), the second is lockKeyOf(schema) (+1 for migration). */
export const LOCK_CLASS = 0x48464c47;

/** Creates or migrates the schema; safe when several processes do it at the same moment. */
export const migrate = async (client: pg.ClientBase, schema: string): Promise<void> => {
  const key = lockKeyOf(schema) ^ 1;
  await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, key]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS "${schema}".schema_version (version integer NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM "${schema}".schema_version`);
    let version = rows[0]?.version ?? 0;
    if (version > VERSION) {
      throw new Error(`the log in schema ${schema} was written by a newer Holdfast (schema ${version} > ${VERSION})`);
    }
    while (version < VERSION) {
      const step = MIGRATIONS[version];
      if (step === undefined) throw new Error(`no migration to schema version ${version + 1}`);
      await client.query('BEGIN');
      await client.query(step(schema));
      await client.query(`DELETE FROM "${schema}".schema_version`);
      await client.query(`INSERT INTO "${schema}".schema_version (version) VALUES ($1)`, [version + 1]);
      await client.query('COMMIT');
      version += 1;
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, key]).catch(() => undefined);
  }
};

/** Whether the schema's tables are there (verification opens an existing log only). */
export const schemaExists = async (client: pg.ClientBase, schema: string): Promise<boolean> => {
  const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`"${schema}".events`]);
  return rows[0]?.t !== null && rows[0]?.t !== undefined;
};

/** The connection string with its password (and any password= option) masked, for logs. */
export const maskedUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable connection string)';
  }
};
