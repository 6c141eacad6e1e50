import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import {
  decodeModels,
  encodeModels,
  type ReadModels,
  type ReadModelsSnapshot,
  SNAPSHOT_FORMAT,
  type SnapshotMark,
} from '../../projections/index.js';
import type { EventLog } from '../eventlog/port.js';
import { foldFingerprint } from './fingerprint.js';

// Read models kept in one JSON file beside the log, so a restart replays only what came
// after it. It is a cache: any doubt — unreadable, another format, another fold, or a log
// that no longer has the event the snapshot ends at (a different or restored file) — and
// we say why and replay the whole log, exactly as without one.
//
// Only for logs whose positions are dense integers we can read back one at a time (the
// SQLite file): the mark is checked with `readAll(position - 1, 1)`.

/** The file's name in DATA_DIR, beside holdfast.db. */
export const SNAPSHOT_FILE = 'readmodels.snapshot.json';

export type SnapshotStore = {
  /** The snapshot's models, or why they cannot be used with this log (nothing logged). */
  inspect(log: Pick<EventLog, 'readAll'>): Promise<{ models: ReadModels } | { refused: string }>;
  /** Models to start from, or undefined to replay from the start (says why in the log). */
  load(log: Pick<EventLog, 'readAll'>): Promise<ReadModels | undefined>;
  /** Writes the models atomically (temp file, fsync, rename). Returns false if there is nothing to mark. */
  save(models: ReadModels, log: Pick<EventLog, 'readAll'>): Promise<boolean>;
};

const markOf = async (log: Pick<EventLog, 'readAll'>, position: number): Promise<SnapshotMark | undefined> => {
  const [event] = await log.readAll(position - 1, 1);
  if (event === undefined || event.position !== position) return undefined;
  return { position, streamId: event.streamId, revision: event.revision, recordedAt: event.recordedAt };
};

const sameMark = (a: SnapshotMark, b: SnapshotMark | undefined) =>
  b !== undefined &&
  a.position === b.position &&
  a.streamId === b.streamId &&
  a.revision === b.revision &&
  a.recordedAt === b.recordedAt;

const writeDurably = (path: string, text: string): void => {
  const temp = `${path}.${process.pid}.tmp`;
  // It holds customers' names and phone numbers: as private as the log itself.
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
};

export const createSnapshotFile = (options: { path: string; logger?: Logger; fold?: string }): SnapshotStore => {
  const { path, logger } = options;
  const fold = options.fold ?? foldFingerprint();

  const read = (): ReadModelsSnapshot | string => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'none yet' : `unreadable (${String(error)})`;
    }
    try {
      const snapshot = JSON.parse(text) as ReadModelsSnapshot;
      if (snapshot?.format !== SNAPSHOT_FORMAT) return `format ${String(snapshot?.format)}, not ${SNAPSHOT_FORMAT}`;
      if (snapshot.fold !== fold) return 'written by different fold code';
      return snapshot;
    } catch {
      return 'not valid JSON (a torn write?)';
    }
  };

  const inspect: SnapshotStore['inspect'] = async (log) => {
    const snapshot = read();
    if (typeof snapshot === 'string') return { refused: snapshot };
    if (!sameMark(snapshot.mark, await markOf(log, snapshot.mark.position))) {
      return { refused: `not of this log (it ends at position ${snapshot.mark.position}, which differs here)` };
    }
    try {
      return { models: decodeModels(snapshot) };
    } catch (error) {
      return { refused: `did not decode (${String(error)})` };
    }
  };

  return {
    inspect,

    load: async (log) => {
      const outcome = await inspect(log);
      if ('refused' in outcome) {
        logger?.info({ path, why: outcome.refused }, 'no usable read-model snapshot; replaying the whole log');
        return undefined;
      }
      logger?.info(
        { path, position: outcome.models.position },
        'read models from snapshot; replaying the events after it',
      );
      return outcome.models;
    },

    save: async (models, log) => {
      const mark = models.position > 0 ? await markOf(log, models.position) : undefined;
      if (mark === undefined) {
        rmSync(path, { force: true }); // an empty log, or one we cannot mark: keep nothing stale
        return false;
      }
      writeDurably(path, JSON.stringify(encodeModels(models, fold, mark)));
      return true;
    },
  };
};
