import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkLog, describeViolations, type LogReport } from '../projections/index.js';
import { ConfigError, loadConfig } from './config.js';
import { openEventLog } from './eventlog/open.js';
import { type EventLog, readWholeLog } from './eventlog/port.js';
import { checkSnapshot, type SnapshotCheck } from './snapshots/check.js';
import { SNAPSHOT_FILE } from './snapshots/file.js';

// `npm run verify`: read the whole log and check the promises it must keep (see
// projections/log-invariants.ts). Reads only; safe while the server runs. Exit 0 when the
// log is sound, 1 when it is not, 2 when it cannot be read. Beside a SQLite or PostgreSQL log it also
// checks the read-model snapshot: one a start would use must equal a replay (else exit 1).

const usage = `usage: npm run verify -- [--file <holdfast.db>] [--data-dir <dir>] [--at <ISO time>] [--json]

Reads the log the app would use (DATABASE_URL or EVENTSTORE_URL if set, else
$DATA_DIR/holdfast.db) and
checks: per-stream revisions contiguous; at most one live hold or booking per slot at
every point; every hold ended once (booked, cancelled, expired) or still live with a
deadline after --at (default: now); recorded times ordered within each stream. With a
SQLite or PostgreSQL log, the read-model snapshot in DATA_DIR (if any) must equal a replay
to its mark.`;

const openLog = async (args: { file?: string; 'data-dir'?: string }): Promise<{ log: EventLog; snapshot?: string }> => {
  const env = { ...process.env, ...(args['data-dir'] !== undefined && { DATA_DIR: args['data-dir'] }) };
  const config = loadConfig(env);
  const log = await openEventLog(config, { readonly: true, ...(args.file !== undefined && { sqliteFile: args.file }) });
  if (args.file !== undefined) return { log, snapshot: join(dirname(args.file), SNAPSHOT_FILE) };
  return config.eventstoreUrl === undefined ? { log, snapshot: join(config.dataDir, SNAPSHOT_FILE) } : { log };
};

const snapshotLine = (check: SnapshotCheck): string => {
  switch (check.status) {
    case 'absent':
      return 'none (the next start replays the whole log)';
    case 'unused':
      return `not used by a start: ${check.why}`;
    case 'matches':
      return `OK: equals a replay of the log to position ${check.position}`;
    case 'differs':
      return `DIFFERS from a replay of the log to position ${check.position} (a fold bug: delete it, report it)`;
  }
};

const printReport = (kind: string, at: number, report: LogReport, snapshot: SnapshotCheck | undefined): void => {
  const statuses = Object.entries(report.byStatus)
    .map(([status, count]) => `${status} ${count}`)
    .join(', ');
  const lines = [
    `Holdfast log verification — ${kind}`,
    `  checked at      ${new Date(at).toISOString()}`,
    `  events          ${report.events} in ${report.slots} timeslot streams`,
    `  slots now       ${statuses || 'none'}`,
    `  live holds      ${report.liveHolds}`,
  ];
  if (report.violations.length === 0) {
    lines.push(
      '  result          OK: revisions contiguous, one hold or booking per slot, every hold ended once, times ordered',
    );
  } else {
    lines.push(`  result          ${report.violations.length} VIOLATION(S):`);
    for (const line of describeViolations(report.violations)) lines.push(`    ${line}`);
  }
  if (snapshot !== undefined) lines.push(`  snapshot        ${snapshotLine(snapshot)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
};

const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      file: { type: 'string' },
      'data-dir': { type: 'string' },
      at: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const at = values.at === undefined ? Date.now() : Date.parse(values.at);
  if (Number.isNaN(at)) throw new ConfigError(`--at must be an ISO time (got "${values.at}")`);
  const { log, snapshot: snapshotPath } = await openLog(values);
  try {
    const events = await readWholeLog(log);
    const report = checkLog(events, at);
    const snapshot = snapshotPath === undefined ? undefined : await checkSnapshot(snapshotPath, log, events);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ log: log.kind, at: new Date(at), ...report, snapshot })}\n`);
    } else printReport(log.kind, at, report, snapshot);
    return report.violations.length === 0 && snapshot?.status !== 'differs' ? 0 : 1;
  } finally {
    await log.close();
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`holdfast verify: ${message}\n\n${usage}\n`);
    process.exit(2);
  },
);
