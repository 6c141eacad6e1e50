import {
  type Conflict,
  conflictOf,
  type MultiAppendResult,
  type NewEvent,
  revisionMatches,
  type StreamWrite,
} from './port.js';

// What every adapter does with an append, whatever it stores: refuse it naming every stream
// not at its expected revision, or number its events — positions on from the log's head,
// revisions on from each stream's — marking the commit's end when it has several events,
// so readers take the write whole.

/** Throws the conflict naming every stream of the write that is not where it was expected. */
export const refuseConflicts = (writes: readonly StreamWrite[], headOf: (streamId: string) => number): void => {
  const conflicts: Conflict[] = [];
  for (const { streamId, expected } of writes) {
    const actual = headOf(streamId);
    if (!revisionMatches(expected, actual))
      conflicts.push({ streamId, expected, actual: actual < 0 ? 'no_stream' : actual });
  }
  if (conflicts.length > 0) throw conflictOf(conflicts);
};

export type NumberedEvent = {
  streamId: string;
  revision: number;
  position: number;
  /** The position of the write's last event when it has several (`lastOfCommit`), else null. */
  commitEnd: number | null;
  event: NewEvent;
};

/** Numbers a write's events after `position`; `store` keeps each; the append's answer. */
export const numberWrite = (
  writes: readonly StreamWrite[],
  headOf: (streamId: string) => number,
  position: number,
  store: (numbered: NumberedEvent) => void,
): MultiAppendResult => {
  const total = writes.reduce((n, w) => n + w.events.length, 0);
  const end = position + total;
  const commitEnd = total > 1 ? end : null;
  let next = position;
  const streams = writes.map(({ streamId, events }) => {
    let revision = headOf(streamId);
    for (const event of events) {
      revision += 1;
      next += 1;
      store({ streamId, revision, position: next, commitEnd, event });
    }
    return { streamId, nextRevision: revision };
  });
  return { streams, position: end };
};
