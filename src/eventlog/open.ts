import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Config, ConfigError } from '../config.js';
import type { EventLog } from './port.js';
import { createSqliteLog } from './sqlite.js';

// Which log this process uses: EventStoreDB when EVENTSTORE_URL is set (several app
// processes may share it), otherwise the embedded SQLite file in DATA_DIR. The app opens
// it to write; `npm run verify` opens the same one to read. The EventStoreDB client (gRPC,
// protobufs) is imported only when it is configured: loading it took ~0.2 s of every start.

export type OpenLogOptions = {
  logger?: Logger;
  /** Read only, and the SQLite file must already exist (verification). */
  readonly?: boolean;
  /** A SQLite file to use instead of the configured log. */
  sqliteFile?: string;
};

export const openEventLog = async (
  config: Pick<Config, 'dataDir' | 'eventstoreUrl'>,
  options: OpenLogOptions = {},
): Promise<EventLog> => {
  if (options.sqliteFile === undefined && config.eventstoreUrl !== undefined) {
    const { createEventStoreLog } = await import('./eventstoredb.js');
    try {
      return createEventStoreLog({
        connectionString: config.eventstoreUrl,
        ...(options.logger !== undefined && { logger: options.logger.child({ log: 'eventstoredb' }) }),
      });
    } catch (error) {
      // The client parses the connection string up front; a bad option is a configuration error.
      throw new ConfigError(`EVENTSTORE_URL is not a usable connection string: ${(error as Error).message}`);
    }
  }
  const path = options.sqliteFile ?? join(config.dataDir, 'holdfast.db');
  if (options.readonly && !existsSync(path)) throw new ConfigError(`no log at ${path}`);
  return createSqliteLog({ path, ...(options.readonly && { readonly: true }) });
};
