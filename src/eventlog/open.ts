import { join } from 'node:path';
import type { Logger } from 'pino';
import { type Config, ConfigError } from '../config.js';
import { createEventStoreLog } from './eventstoredb.js';
import type { EventLog } from './port.js';
import { createSqliteLog } from './sqlite.js';

// Which log this process writes to: EventStoreDB when EVENTSTORE_URL is set (several app
// processes may share it), otherwise the embedded SQLite file in DATA_DIR.

export const openEventLog = (config: Pick<Config, 'dataDir' | 'eventstoreUrl'>, logger: Logger): EventLog => {
  if (config.eventstoreUrl === undefined) return createSqliteLog({ path: join(config.dataDir, 'holdfast.db') });
  try {
    return createEventStoreLog({
      connectionString: config.eventstoreUrl,
      logger: logger.child({ log: 'eventstoredb' }),
    });
  } catch (error) {
    // The client parses the connection string up front; a bad option is a configuration error.
    throw new ConfigError(`EVENTSTORE_URL is not a usable connection string: ${(error as Error).message}`);
  }
};
