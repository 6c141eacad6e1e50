import { parseArgs } from 'node:util';
import { checkLog, describeViolations, type LogReport } from '../projections/index.js';
import { ConfigError, loadConfig } from './config.js';
import { openEventLog } from './eventlog/open.js';
import { type EventLog, readWholeLog } from './eventlog/port.js';

// `npm run verify`: read the whole log and check the promises it must keep (see
// projections/log-invariants.ts). Reads only; safe while the server runs. Exit 0 when the
// log is sound, 1 when it is not, 2 when it cannot be read.

const usage = `usage: npm run verify -- [--file <holdfast.db>] [--data-dir <dir>] [--at <ISO time>] [--json]

Reads the log the app would use (EVENTSTORE_URL if set, else $DATA_DIR/holdfast.db) and
checks: per-stream revisions contiguous; at most one live hold or booking per slot at
every point; every hold ended once (booked, cancelled, expired) or still live with a
deadline after --at (default: now); recorded times ordered within each stream.`;

const openLog = (args: { file?: string; 'data-dir'?: string }): EventLog => {
  const env = { ...process.env, ...(args['data-dir'] !== undefined && { DATA_DIR: args['data-dir'] }) };
  return openEventLog(loadConfig(env), { readonly: true, ...(args.file !== undefined && { sqliteFile: args.file }) });
};

const printReport = (kind: string, at: number, report: LogReport): void => {
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
  const log = openLog(values);
  try {
    const report = checkLog(await readWholeLog(log), at);
    if (values.json) process.stdout.write(`${JSON.stringify({ log: log.kind, at: new Date(at), ...report })}\n`);
    else printReport(log.kind, at, report);
    return report.violations.length === 0 ? 0 : 1;
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
