import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keepSetupLink, setupToken, setupUrl } from './accounts/setup-link.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { createEngine } from './engine/engine.js';
import { openEventLog } from './eventlog/open.js';
import { timedAppends } from './eventlog/timed.js';
import { buildApp } from './http/app.js';
import { defaultHttpSettings, type StartupWork } from './http/context.js';
import { startMetricsServer } from './http/metrics-server.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { notifierFromConfig } from './notify/setup.js';
import { openDemoSchedule } from './schedule/demo.js';
import { loadSecrets } from './secrets.js';
import { createSnapshotFile, SNAPSHOT_FILE } from './snapshots/file.js';
import { localUrl, startupBanner } from './startup-banner.js';

// The process entry: read configuration, open the log, listen (readyz says 503 while the
// log replays), replay, open the demo schedule on a first start, serve. SIGTERM/SIGINT
// stop accepting, finish the commands in flight, snapshot the read models, close the log.

/** A start that had to fold this many events leaves a snapshot, so the next one need not. */
const SNAPSHOT_AFTER_REPLAYING = 50_000;

const main = async (): Promise<void> => {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const secrets = loadSecrets(config.dataDir, { ownerToken: config.ownerToken, sessionSecret: config.sessionSecret });

  const metrics = createMetrics();
  const log = timedAppends(await openEventLog(config, { logger }), metrics.observeAppend);
  logger.info({ log: log.kind, dataDir: config.dataDir }, `event log: ${log.kind}`);
  if (config.trustProxy !== false && (config.host === '0.0.0.0' || config.host === '::')) {
    // A client that reaches the port directly from a trusted range could name its own address.
    logger.warn(
      { trustProxy: config.trustProxy, host: config.host },
      'TRUST_PROXY is set and the app listens on every interface: make sure only the proxy can reach it (HOST=127.0.0.1, or a firewall)',
    );
  }
  if (
    (config.eventstoreUrl !== undefined || config.databaseUrl !== undefined) &&
    (config.sessionSecret === undefined || config.ownerToken === undefined)
  ) {
    // Several processes on one log must agree on these: share DATA_DIR or set both.
    logger.warn(
      { dataDir: config.dataDir },
      'SESSION_SECRET/OWNER_TOKEN unset: every app process on this log needs the same DATA_DIR or the same values',
    );
  }
  // Snapshots mark their place by log position, which the SQLite file and PostgreSQL (dense
  // positions, see eventlog/postgres.ts) read back one event at a time; on EventStoreDB
  // every start replays the whole log.
  const snapshots =
    config.snapshots && config.eventstoreUrl === undefined
      ? createSnapshotFile({ path: join(config.dataDir, SNAPSHOT_FILE), logger })
      : undefined;
  // A log not reachable yet (PostgreSQL still starting) is no reason to die: replay it all.
  const fromSnapshot = await snapshots?.load(log).catch((error: unknown) => {
    logger.warn({ err: error }, 'could not check the read-model snapshot against the log; replaying the whole log');
    return undefined;
  });
  const engine = createEngine({
    ...(fromSnapshot !== undefined && { models: fromSnapshot }),
    log,
    clock: systemClock,
    holdSeconds: config.holdSeconds,
    holdCooldownSeconds: config.holdCooldownSeconds,
    maxHoldsPerClient: config.maxHoldsPerClient,
    maxHoldsPerNetwork: config.maxHoldsPerIp,
    mailboxCapacity: config.mailboxCapacity,
    logger,
  });
  // The web app is built next to us (dist/web beside dist/src) by `npm run build`.
  const webRoot = join(dirname(fileURLToPath(import.meta.url)), '..', 'web');
  if (!existsSync(join(webRoot, 'index.html'))) logger.warn({ webRoot }, 'web app not built: serving the API only');
  // Readiness waits for a first start's demo schedule too: "ready" means there is something to book.
  const startup: StartupWork = {
    pending: config.demo ? 'opening the demo schedule' : undefined,
  };
  // Messages follow the log on their own (after the engine's replay), never inside a request.
  const notifier = notifierFromConfig(config.notify, {
    log,
    clock: systemClock,
    sessionSecret: secrets.sessionSecret,
    publicUrl: config.publicUrl ?? `http://localhost:${config.port}`,
    salonName: config.salonName,
    salonTz: config.salonTz,
    logger,
  });
  const app = await buildApp({
    notifier,
    engine,
    clock: systemClock,
    metrics,
    secrets,
    logger,
    startup,
    settings: {
      ...defaultHttpSettings,
      salonTz: config.salonTz,
      salonName: config.salonName,
      holdSeconds: config.holdSeconds,
      cancelCutoffHours: config.cancelCutoffHours,
      rateLimitPerMinute: config.rateLimitPerMinute,
      trustProxy: config.trustProxy,
      corsOrigins: config.corsOrigins,
      maxSocketsPerIp: config.maxSocketsPerIp,
      maxConnectionsPerIp: config.maxConnectionsPerIp,
      ...(config.publicUrl !== undefined && { publicUrl: config.publicUrl }),
      holdPressurePercent: config.holdPressurePercent,
      requestTimeoutMs: config.requestTimeoutSeconds * 1_000,
      ...(config.metricsToken !== undefined && { metricsToken: config.metricsToken }),
      ...(existsSync(join(webRoot, 'index.html')) && { webRoot }),
    },
  });

  let snapshotAt = fromSnapshot?.position ?? 0;
  let saving = Promise.resolve();
  // One save at a time (a SIGTERM may land during the start-up save). Never worth failing a
  // start or a shutdown over: without a snapshot the next start replays more, that is all.
  const saveSnapshot = (when: string): Promise<void> =>
    (saving = saving.then(async () => {
      if (snapshots === undefined || engine.models.position === snapshotAt) return;
      const started = Date.now();
      try {
        if (await snapshots.save(engine.models, log)) snapshotAt = engine.models.position;
        logger.info({ when, position: snapshotAt, ms: Date.now() - started }, 'saved the read-model snapshot');
      } catch (error) {
        logger.warn({ err: error, when }, 'saving the read-model snapshot failed; the next start replays more');
      }
    }));

  let stopping = false;
  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new requests, finishing commands in flight');
    const force = setTimeout(() => {
      logger.error('shutdown took over 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    await app.close(); // stops accepting; waits for requests in flight; closes WebSockets
    await metricsServer?.close();
    await notifier.stop();
    await engine.stop();
    await saveSnapshot('shutdown');
    await log.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  if (config.metricsPort !== undefined) {
    metricsServer = await startMetricsServer(metrics, { port: config.metricsPort, host: config.metricsHost });
  }
  const started = Date.now();
  await engine.start();
  if (engine.models.position !== 0) startup.pending = undefined; // not a first start: no demo
  const replayed = engine.models.position - snapshotAt;
  logger.info(
    { ms: Date.now() - started, position: engine.models.position, replayed, fromSnapshot: fromSnapshot !== undefined },
    'replayed the log',
  );
  if (replayed >= SNAPSHOT_AFTER_REPLAYING) await saveSnapshot('start-up');
  logger.info(
    { transports: notifier.transports, reminderHours: config.notify.reminderHours },
    notifier.transports.length === 0
      ? 'notifications: no transport configured (SMTP_URL, SMS_WEBHOOK_URL): messages are recorded as skipped'
      : `notifications: sending by ${notifier.transports.join(' and ')}`,
  );
  notifier.start().catch((error: unknown) => logger.error({ err: error }, 'the notifier could not start'));

  if (startup.pending !== undefined) {
    // Opening is idempotent, so a failure part-way (the log went away) is simply retried;
    // the process keeps serving meanwhile rather than dying over a demo.
    const now = systemClock.now();
    for (let attempt = 1; !stopping; attempt += 1) {
      try {
        const opened = await openDemoSchedule(engine, now, config.salonTz);
        logger.info({ opened, zone: config.salonTz }, 'opened the demo schedule (DEMO=0 to skip)');
        startup.pending = undefined;
        break;
      } catch (error) {
        logger.warn({ err: error, attempt }, 'opening the demo schedule failed; retrying in 2 s');
        await new Promise((done) => setTimeout(done, 2_000).unref());
      }
    }
  }
  if (stopping) return;
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  // No account yet: a one-time link for the first owner, on the console and in DATA_DIR.
  const url = localUrl(config.host, port, config.publicUrl);
  const setupLink =
    engine.models.accounts.accounts.size === 0
      ? setupUrl(url, setupToken(secrets.sessionSecret, systemClock.now()))
      : undefined;
  try {
    keepSetupLink(config.dataDir, setupLink);
  } catch (error) {
    logger.warn({ err: error }, 'could not write the setup link to DATA_DIR; it is on the console only');
  }
  process.stdout.write(
    startupBanner({
      url,
      setupLink,
      salonName: config.salonName,
      // Printed on the start that generated it and never again; afterwards it is only in the file.
      newOwnerToken: secrets.generatedOwnerTokenFile !== undefined ? secrets.ownerToken : undefined,
      ownerTokenFile: config.ownerToken === undefined ? join(config.dataDir, 'owner-token') : undefined,
      dataDir: config.dataDir,
      log: log.kind === 'sqlite' ? `SQLite, ${join(config.dataDir, 'holdfast.db')}` : log.kind,
    }),
  );
};

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`holdfast: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
