import { join } from 'node:path';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { createEngine } from './engine/engine.js';
import { createSqliteLog } from './eventlog/sqlite.js';
import { createLogger } from './logger.js';
import { openDemoSchedule } from './schedule/demo.js';

// The process entry: read configuration, open the log, replay, serve. The HTTP/WebSocket
// API is the next step (see README "Status"); until then this runs the engine alone.

const main = async (): Promise<void> => {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (config.eventstoreUrl !== undefined) {
    throw new ConfigError(
      'EVENTSTORE_URL is set, but the EventStoreDB adapter is not built yet; unset it to use SQLite',
    );
  }
  const log = createSqliteLog({ path: join(config.dataDir, 'holdfast.db') });
  logger.info({ log: log.kind }, 'event log opened');
  const engine = createEngine({
    log,
    clock: systemClock,
    holdSeconds: config.holdSeconds,
    maxHoldsPerClient: config.maxHoldsPerClient,
    mailboxCapacity: config.mailboxCapacity,
    logger,
  });
  const started = Date.now();
  await engine.start();
  logger.info({ ms: Date.now() - started, position: engine.models.position }, 'replayed the log');

  if (config.demo && engine.models.position === 0) {
    const opened = await openDemoSchedule(engine, systemClock.now(), config.salonTz);
    logger.info({ opened, zone: config.salonTz }, 'opened the demo schedule (DEMO=0 to skip)');
  }

  // Nothing else holds the event loop open until the HTTP server arrives.
  const keepAlive = setInterval(() => {
    logger.debug({ actors: engine.activeActors, mailboxDepth: engine.mailboxDepth }, 'engine alive');
  }, 60_000);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing commands in flight');
    clearInterval(keepAlive);
    await engine.stop();
    await log.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
};

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`holdfast: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
