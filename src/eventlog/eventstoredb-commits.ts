import type { StoredEvent } from './port.js';

// Whole commits and their positions on KurrentDB/EventStoreDB, for eventstoredb.ts (this file
// knows nothing of the client library: it works on plain positions and metadata).
//
// Why the adapter marks commits itself. The gRPC read and subscription protocols hand out
// events one by one, each with a (commit, prepare) position, and nothing that says where
// the write it came from ends. An append to one stream is an implicit transaction whose
// events each carry their own commit position; the events of a multi-stream append (25.1)
// may share one commit position, with one prepare position each. Neither tells a reader
// "this is the last event of that write", and a reader that cannot tell would hand a
// follower half an appointment. So every event of a write of several events carries a
// marker, `k/n` (its place in the write, and the write's size), in its metadata, and
// readers assemble whole writes before handing any event on.
//
// Positions. The port wants one number per event, strictly increasing in log order, and a
// commit's last number must be one to resume from, exactly after the whole commit. $all is
// ordered by (commit, prepare). So:
//  - an event that is not the last of its write is numbered by its prepare position (unique,
//    and increasing through a write whether or not its events share a commit position);
//  - the last event of a write (and an event alone) is numbered max(commit, prepare): its
//    own position when each event commits where it lies; the shared commit position when
//    the write commits at (or after) its last record.
// Resuming from such a number L asks the server for what follows (L, L). Every event of the
// write ending at L lies at or before (L, L): at (c, p) with c = p ≤ L, or c = L with p ≤ L,
// or c < L when the shared commit position is the write's first record; the next write
// starts after (L, L) in every case (its records come after all of ours). Nothing of a
// delivered commit comes twice, nothing after it is skipped. A write's events are contiguous
// in $all (the server appends a transaction's records together), and everything we filter
// out is another namespace's or the server's, never part of our write.
//
// The append's own answer (the position the server returns) lies after the previous
// commit's end and no later than this commit's end, so waiting for a reader to reach it
// waits for exactly this commit.

export type RawPosition = { commit: bigint; prepare: bigint };

/** One event as read, before it is known whether its commit is whole. */
export type RawEvent = Omit<StoredEvent, 'position' | 'lastOfCommit' | 'metadata'> & {
  rawPosition: RawPosition;
  rawMetadata: unknown;
};

const COMMIT_KEY = 'holdfast-commit';
const METADATA_KEY = 'holdfast-metadata';

/** The event's place in a write of `total` events, or undefined for a write of one. */
const markerOf = (index: number, total: number): string | undefined =>
  total > 1 ? `${index + 1}/${total}` : undefined;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/**
 * Metadata for an append to one stream: the caller's object with the marker beside it (still
 * plain JSON for other tools); anything that is not an object travels as a string inside one.
 */
export const metadataForAppend = (metadata: unknown, index: number, total: number): Record<string, unknown> => {
  const marker = markerOf(index, total);
  const base = isPlainObject(metadata) ? metadata : metadata === undefined ? {} : undefined;
  if (base !== undefined) return marker === undefined ? base : { ...base, [COMMIT_KEY]: marker };
  return { [METADATA_KEY]: JSON.stringify(metadata), ...(marker !== undefined && { [COMMIT_KEY]: marker }) };
};

/**
 * Metadata for a multi-stream append, whose records carry string properties only (the client
 * refuses anything else): the caller's metadata as one JSON string, and the marker.
 */
export const propertiesForMultiAppend = (metadata: unknown, index: number, total: number): Record<string, string> => {
  const marker = markerOf(index, total);
  return { [METADATA_KEY]: JSON.stringify(metadata ?? {}), ...(marker !== undefined && { [COMMIT_KEY]: marker }) };
};

/** The caller's metadata back, and the marker (undefined: a write of one, or an old event). */
export const readMetadata = (raw: unknown): { metadata: unknown; place?: { index: number; total: number } } => {
  if (!isPlainObject(raw)) return { metadata: raw ?? {} };
  const { [COMMIT_KEY]: marker, [METADATA_KEY]: packed, ...rest } = raw;
  let metadata: unknown = rest;
  if (typeof packed === 'string') {
    try {
      metadata = JSON.parse(packed);
    } catch {
      metadata = rest;
    }
  }
  const match = typeof marker === 'string' ? /^(\d+)\/(\d+)$/.exec(marker) : null;
  const index = Number(match?.[1]) - 1;
  const total = Number(match?.[2]);
  if (match === null || !(total > 1 && index >= 0 && index < total)) return { metadata };
  return { metadata, place: { index, total } };
};

/** Lexicographic order of $all: is `a` strictly after `b`? */
export const isAfter = (a: RawPosition, b: RawPosition): boolean =>
  a.commit > b.commit || (a.commit === b.commit && a.prepare > b.prepare);

const numberOf = (position: RawPosition, last: boolean): number =>
  Number(last && position.commit > position.prepare ? position.commit : position.prepare);

export type CommitAssembler = {
  /** Takes the next of our events in log order; returns the commits it completes, in order. */
  add(event: RawEvent): StoredEvent[];
  /** Whether part of a commit is still waiting for the rest. */
  readonly partial: boolean;
};

/** Holds each event until the rest of its write has been read, then hands the write on whole. */
export const createCommitAssembler = (): CommitAssembler => {
  let pending: Array<{ event: RawEvent; metadata: unknown }> = [];
  let remaining = 0;

  const finish = (): StoredEvent[] => {
    const group = pending;
    pending = [];
    remaining = 0;
    const numbers = group.map(({ event }, i) => numberOf(event.rawPosition, i === group.length - 1));
    const end = numbers.at(-1) ?? 0;
    return group.map(({ event, metadata }, i) => {
      const { rawPosition: _position, rawMetadata: _metadata, ...rest } = event;
      return { ...rest, metadata, position: numbers[i] ?? 0, ...(group.length > 1 && { lastOfCommit: end }) };
    });
  };

  return {
    add: (event) => {
      const { metadata, place } = readMetadata(event.rawMetadata);
      const out: StoredEvent[] = [];
      // A write we did not see begin (a read that started inside one, which callers avoid)
      // or an unmarked event where the rest was due: hand on what we have rather than stall.
      if (pending.length > 0 && (place === undefined || place.index === 0)) out.push(...finish());
      pending.push({ event, metadata });
      remaining = place === undefined ? 0 : place.total - place.index - 1;
      if (remaining === 0) out.push(...finish());
      return out;
    },
    get partial() {
      return pending.length > 0;
    },
  };
};
