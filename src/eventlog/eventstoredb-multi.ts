import {
  ANY,
  type AppendStreamState,
  type JSONType,
  jsonEvent,
  type KurrentDBClient,
  NO_STREAM,
  UnsupportedError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import type { Logger } from 'pino';
import { propertiesForMultiAppend } from './eventstoredb-commits.js';
import {
  type Conflict,
  conflictOf,
  type ExpectedRevision,
  type MultiAppendResult,
  revisionMatches,
  type StoredEvent,
  type StreamWrite,
} from './port.js';

// The append across streams on KurrentDB: the server's multi-stream append (25.1 and later,
// the streams v2 protocol's append session), all streams in one transaction, each at its
// own expected revision. And the check, when the log is opened, that the server has it: a
// server without it would otherwise fail on the first appointment, long after start-up.

/** The server version multi-stream append needs, said wherever it is missing. */
export const REQUIRED_SERVER = 'KurrentDB 25.1 or later';

export class ServerTooOldError extends Error {
  constructor(detail: string) {
    super(
      `the KurrentDB server at EVENTSTORE_URL does not support multi-stream append (${detail}): ` +
        `Holdfast needs ${REQUIRED_SERVER}, whose atomic writes across streams keep an appointment's slots together`,
    );
    this.name = 'ServerTooOldError';
  }
}

const UNIMPLEMENTED = 12; // gRPC status: the server has no such method
/** gRPC statuses that mean the request never got an answer: CANCELLED, DEADLINE_EXCEEDED, UNAVAILABLE. */
const NOT_REACHED = new Set([1, 4, 14]);

const streamStateOf = (expected: ExpectedRevision): AppendStreamState =>
  expected === 'any' ? ANY : expected === 'no_stream' ? NO_STREAM : BigInt(expected);

/** Is this the client or the server saying the method does not exist? */
const missingFeature = (error: unknown): string | undefined => {
  if (error instanceof UnsupportedError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === UNIMPLEMENTED) return `the server answered UNIMPLEMENTED: ${(error as Error).message}`;
  return undefined;
};

export const appendAcrossStreams = async (
  client: KurrentDBClient,
  namespace: string,
  writes: readonly StreamWrite[],
  readStream: (streamId: string) => Promise<StoredEvent[]>,
): Promise<MultiAppendResult> => {
  const total = writes.reduce((n, w) => n + w.events.length, 0);
  let index = 0;
  const requests = writes.map((write) => ({
    streamName: namespace + write.streamId,
    expectedState: streamStateOf(write.expected),
    events: write.events.map((event) =>
      jsonEvent({
        type: event.type,
        data: event.data as JSONType,
        metadata: propertiesForMultiAppend(event.metadata, index++, total),
      }),
    ),
  }));
  try {
    const result = await client.multiStreamAppend(requests);
    const revisions = new Map(result.responses.map((r) => [r.streamName, Number(r.revision)]));
    return {
      streams: writes.map((w) => ({ streamId: w.streamId, nextRevision: revisions.get(namespace + w.streamId) ?? -1 })),
      position: Number(result.position),
    };
  } catch (error) {
    const missing = missingFeature(error);
    if (missing !== undefined) throw new ServerTooOldError(missing);
    if (!(error instanceof WrongExpectedVersionError)) throw error;
    throw conflictOf(await conflictsAfter(error, namespace, writes, readStream));
  }
};

/**
 * Every stream of a refused write that was not where it was expected. The server names one
 * (the first it found); the others are found by reading their heads now. A stream named that
 * had moved on only after the refusal costs the engine one needless reload, never a wrong
 * decision: it decides again on what it reloads.
 */
const conflictsAfter = async (
  error: WrongExpectedVersionError,
  namespace: string,
  writes: readonly StreamWrite[],
  readStream: (streamId: string) => Promise<StoredEvent[]>,
): Promise<Conflict[]> => {
  const named = error.streamName.startsWith(namespace) ? error.streamName.slice(namespace.length) : error.streamName;
  const actualOf = (state: unknown): number | 'no_stream' => (typeof state === 'bigint' ? Number(state) : 'no_stream');
  const reported = writes.find((w) => w.streamId === named);
  const conflicts: Conflict[] = [];
  for (const write of writes) {
    if (write === reported) {
      conflicts.push({ streamId: write.streamId, expected: write.expected, actual: actualOf(error.actualState) });
      continue;
    }
    try {
      const head = (await readStream(write.streamId)).at(-1)?.revision ?? -1;
      if (!revisionMatches(write.expected, head)) {
        conflicts.push({ streamId: write.streamId, expected: write.expected, actual: head < 0 ? 'no_stream' : head });
      }
    } catch {
      // Could not look: the one the server named is enough to refuse the write.
    }
  }
  if (reported === undefined) {
    // A name we did not send (should not happen): still a conflict, on the stream it names.
    conflicts.unshift({ streamId: named, expected: 'any', actual: actualOf(error.actualState) });
  }
  return conflicts;
};

export type CheckOptions = {
  logger: Logger | undefined;
  retryMs: number;
  maxRetryMs: number;
  isClosed(): boolean;
  /** Called when an attempt could not reach the server (the check goes on). */
  onUnreachable?: () => void;
};

/**
 * Asks the server for an empty append session: the client first looks the method up in the
 * server's feature list (UnsupportedError without it), the server refuses the empty session
 * (or takes it: nothing is written either way) if it has the method, and answers
 * UNIMPLEMENTED if it has not. Unreachable: tried again, so a database that starts after
 * the app is waited for.
 */
export const checkMultiStreamAppend = async (client: KurrentDBClient, options: CheckOptions): Promise<void> => {
  let wait = options.retryMs;
  for (let attempt = 1; !options.isClosed(); attempt += 1) {
    try {
      await client.multiStreamAppend([]);
      return;
    } catch (error) {
      const missing = missingFeature(error);
      if (missing !== undefined) throw new ServerTooOldError(missing);
      // Any answer of the method itself (the empty session refused: INVALID_ARGUMENT) shows it
      // is there; only not reaching the server (or no status at all) is tried again.
      const { code, type } = (error ?? {}) as { code?: unknown; type?: unknown };
      const unreached =
        typeof code !== 'number' || NOT_REACHED.has(code) || type === 'unavailable' || type === 'deadline-exceeded';
      if (!unreached) return;
      options.onUnreachable?.();
      if (attempt === 1 || attempt % 10 === 0) {
        options.logger?.warn({ err: error, attempt }, 'KurrentDB not reachable yet; checking it again');
      }
    }
    await new Promise<void>((resolve) => setTimeout(resolve, wait).unref());
    wait = Math.min(wait * 2, options.maxRetryMs);
  }
};
