import { existsSync } from 'node:fs';
import { applyRecorded, createReadModels, encodeModels, type ReadModels } from '../../projections/index.js';
import type { EventLog, StoredEvent } from '../eventlog/port.js';
import { createSnapshotFile } from './file.js';

// `npm run verify`'s look at the read-model snapshot: would a start use it, and if so, are
// its models exactly what replaying the log up to its mark gives? A snapshot that differs
// is a fold bug (the thing that must never happen); one a start would not use is harmless.

export type SnapshotCheck =
  | { path: string; status: 'absent' }
  | { path: string; status: 'unused'; why: string }
  | { path: string; status: 'matches' | 'differs'; position: number };

const asText = (models: ReadModels) =>
  JSON.stringify(encodeModels(models, '', { position: models.position, streamId: '', revision: 0, recordedAt: '' }));

export const checkSnapshot = async (
  path: string,
  log: Pick<EventLog, 'readAll'>,
  events: readonly StoredEvent[],
): Promise<SnapshotCheck> => {
  if (!existsSync(path)) return { path, status: 'absent' };
  const outcome = await createSnapshotFile({ path }).inspect(log);
  if ('refused' in outcome) return { path, status: 'unused', why: outcome.refused };
  const { position } = outcome.models;
  const replayed = createReadModels();
  for (const event of events) {
    if (event.position > position) break;
    applyRecorded(replayed, event);
  }
  return { path, status: asText(replayed) === asText(outcome.models) ? 'matches' : 'differs', position };
};
