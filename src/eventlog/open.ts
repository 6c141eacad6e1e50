import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Config, ConfigError } from '../config.js';
import type { EventLog } from './port.js';
import { createSqliteLog } from './sqlite.js';

// Which log this process uses: PostgreSQL when DATABASE_URL is set, KurrentDB when
// EVENTSTORE_URL is set (several app processes may share either), otherwise the embedded SQLite file in DATA_DIR. The app opens it to write;
// `npm run verify` opens the same one to read. The KurrentDB client (gRPC, protobufs, a
// native bridge) is imported only when it is configured: loading it costs every start.
//
// Opening KurrentDB to write checks that the server takes multi-stream appends (25.1+): a
// server without them fails the start here, with a message naming the version needed. A
// server not reachable yet is not waited for (the app starts and says 503 until the log is
// there, as ever); the check goes on in the background and, should the server turn out too
// old, the log reports it as its failure (readyz: 503 log_failed) and refuses appends.

/** How long opening waits for the server's answer before going on without it. */
const CHECK_WAIT_MS = 5_000;

export type OpenLogOptions = {
  logger?: Logger;
  /** Read only, and the SQLite file must already exist (verification). */
  readonly?: boolean;
  /** A SQLite file to use instead of the configured log. */
  sqliteFile?: string;
};

export const openEventLog = async (
  config: Pick<Config, 'dataDir' | 'eventstoreUrl'> &
    Partial<Pick<Config, 'databaseUrl' | 'pgSchema' | 'pgPoolSize' | 'pgStatementTimeoutMs'>>,
  options: OpenLogOptions = {},
): Promise<EventLog> => {
  if (options.sqliteFile === undefined && config.databaseUrl !== undefined) {
    const { createPostgresLog } = await import('./postgres.js');
    const log = createPostgresLog({
      connectionString: config.databaseUrl,
      ...(config.pgSchema !== undefined && { schema: config.pgSchema }),
      ...(config.pgPoolSize !== undefined && { poolSize: config.pgPoolSize }),
      ...(config.pgStatementTimeoutMs !== undefined && { statementTimeoutMs: config.pgStatementTimeoutMs }),
      ...(options.readonly && { readonly: true }),
      ...(options.logger !== undefined && { logger: options.logger.child({ log: 'postgres' }) }),
    });
    // Listening, announced to the other processes; a server not there yet is not waited for
    // (the app starts, says 503 until it is, and the log connects in the background).
    await log.ready();
    return log;
  }
  if (options.sqliteFile === undefined && config.eventstoreUrl !== undefined) {
    const { createEventStoreLog } = await import('./eventstoredb.js');
    let log: Awaited<ReturnType<typeof createEventStoreLog>>;
    try {
      log = createEventStoreLog({
        connectionString: config.eventstoreUrl,
        ...(options.logger !== undefined && { logger: options.logger.child({ log: 'kurrentdb' }) }),
      });
    } catch (error) {
      // The client parses the connection string up front; a bad option is a configuration error.
      throw new ConfigError(`EVENTSTORE_URL is not a usable connection string: ${(error as Error).message}`);
    }
    if (options.readonly) return log; // verification only reads
    let unreachable: () => void = () => {};
    const checked = log.checkServer({ onUnreachable: () => unreachable() }).then(
      () => 'ok' as const,
      (error: unknown) => error as Error,
    );
    const answer = await Promise.race([
      checked,
      new Promise<'pending'>((resolve) => {
        unreachable = () => resolve('pending');
        setTimeout(() => resolve('pending'), CHECK_WAIT_MS).unref();
      }),
    ]);
    if (answer instanceof Error) {
      await log.close();
      throw new ConfigError(answer.message);
    }
    if (answer === 'pending') {
      void checked.then((late) => {
        if (late instanceof Error) options.logger?.fatal({ err: late }, late.message);
      });
    }
    return log;
  }
  const path = options.sqliteFile ?? join(config.dataDir, 'holdfast.db');
  if (options.readonly && !existsSync(path)) throw new ConfigError(`no log at ${path}`);
  return createSqliteLog({ path, ...(options.readonly && { readonly: true }) });
};
