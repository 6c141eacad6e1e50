import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createEventStoreLog } from '../../src/eventlog/eventstoredb.js';
import { createMemoryLog, createMemoryStore } from '../../src/eventlog/memory.js';
import { createSqliteLog } from '../../src/eventlog/sqlite.js';
import { type EventStoreStandin, startEventStoreStandin } from '../support/esdb-standin/server.js';
import { tempDir } from '../support/fixtures.js';
import { multiProcessScenarios } from '../support/multi-process-scenarios.js';

// The same scenarios on every adapter that can be shared: each engine has its own
// connection — a second SQLite connection to the same file sees the first one's commits
// only through the file, as another OS process would.

multiProcessScenarios('sqlite, one file, a connection per process', () => {
  const dir = tempDir();
  const path = join(dir.path, 'events.db');
  return {
    connect: (clock) => createSqliteLog({ path, clock, pollMs: 10 }),
    cleanup: () => dir.remove(),
  };
});

multiProcessScenarios('eventstoredb adapter, stand-in server, a client per process', () => {
  let standin: EventStoreStandin | undefined;
  let starting: Promise<EventStoreStandin> | undefined;
  return {
    connect: async (clock) => {
      starting ??= startEventStoreStandin({ now: () => clock.now() });
      standin = await starting;
      return createEventStoreLog({ connectionString: standin.url });
    },
    cleanup: () => standin?.stop(),
  };
});

multiProcessScenarios('memory, one shared store', () => {
  const store = createMemoryStore();
  return { connect: (clock) => createMemoryLog({ store, clock }), cleanup: () => undefined };
});

const realServer = process.env.EVENTSTORE_URL;
if (realServer !== undefined && realServer !== '') {
  multiProcessScenarios(`eventstoredb adapter, real server at ${realServer}`, () => {
    const namespace = `scenario-${randomUUID()}/`; // a fresh, empty log for each test
    return {
      connect: () => createEventStoreLog({ connectionString: realServer, namespace }),
      cleanup: () => undefined,
    };
  });
}
