// The stand-in's storage: one in-memory $all log, as KurrentDB's single writer would keep
// it. Positions are byte offsets that grow by each record's size, so they are large and
// sparse — like the real server's, and unlike a row counter. An append to one stream gives
// each event its own position (commit = prepare). A multi-stream append is one transaction:
// its events get a prepare position each and share one commit position, that of the last
// record (where the transaction ends); $all is ordered by (commit, prepare). The log starts
// with a few system ($) events, which clients must filter out.

export type StoredRecord = {
  /** The event id as the client sent it (a serialized UUID message). */
  id: Uint8Array;
  streamName: string;
  revision: bigint;
  /** Commit position: where the write this event belongs to became part of the log. */
  position: bigint;
  /** Prepare position: where this event's own record lies. */
  prepare: bigint;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch, as the server's `created` metadata. */
  created: bigint;
};

export type Proposed = Pick<StoredRecord, 'id' | 'type' | 'contentType' | 'data' | 'customMetadata'>;

export type Expected =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: bigint };

export type AppendOutcome =
  | { ok: true; revision: bigint; position: bigint }
  | { ok: false; current: bigint | undefined };

export type StreamAppend = { streamName: string; expected: Expected; proposed: readonly Proposed[] };

export type MultiAppendOutcome =
  | { ok: true; revisions: bigint[]; position: bigint }
  /** Every stream that was not where it was expected, in the order the write named them. */
  | { ok: false; conflicts: Array<{ index: number; streamName: string; current: bigint | undefined }> };

export type RecordPosition = { commit: bigint; prepare: bigint };

/** $all order: is `record` strictly after `position`? */
export const isAfter = (record: StoredRecord, position: RecordPosition): boolean =>
  record.position > position.commit || (record.position === position.commit && record.prepare > position.prepare);

export type StandinStore = ReturnType<typeof createStandinStore>;

const TICKS_PER_MS = 10_000n;
const RECORD_OVERHEAD = 88n;

export const createStandinStore = (now: () => number = Date.now) => {
  const all: StoredRecord[] = [];
  const streams = new Map<string, StoredRecord[]>();
  const listeners = new Set<(record: StoredRecord) => void>();
  let nextPosition = 4_096n;

  const head = (streamName: string): bigint | undefined => {
    const stream = streams.get(streamName);
    return stream === undefined ? undefined : BigInt(stream.length - 1);
  };

  const matches = (expected: Expected, current: bigint | undefined): boolean => {
    switch (expected.kind) {
      case 'any':
        return true;
      case 'no_stream':
        return current === undefined;
      case 'stream_exists':
        return current !== undefined;
      case 'revision':
        return current === expected.revision;
    }
  };

  /**
   * Atomic: every stream's expected revision is checked first, then every event of every
   * stream lands, in order, or none does. Several streams share one commit position.
   */
  const write = (appends: readonly StreamAppend[]): MultiAppendOutcome => {
    const conflicts = appends.flatMap(({ streamName, expected }, index) => {
      const current = head(streamName);
      return matches(expected, current) ? [] : [{ index, streamName, current }];
    });
    if (conflicts.length > 0) return { ok: false, conflicts };
    const created = BigInt(now()) * TICKS_PER_MS;
    const shared = appends.length > 1;
    const written: StoredRecord[] = [];
    const revisions = appends.map(({ streamName, proposed }) => {
      const stream = streams.get(streamName) ?? [];
      streams.set(streamName, stream);
      let revision = BigInt(stream.length - 1);
      for (const event of proposed) {
        revision += 1n;
        const prepare = nextPosition;
        nextPosition +=
          RECORD_OVERHEAD +
          BigInt(event.data.length + event.customMetadata.length + streamName.length + event.type.length);
        const record: StoredRecord = { ...event, streamName, revision, position: prepare, prepare, created };
        stream.push(record);
        all.push(record);
        written.push(record);
      }
      return revision;
    });
    const commit = written.at(-1)?.prepare ?? nextPosition;
    if (shared) for (const record of written) record.position = commit;
    // Listeners (live subscriptions) hear of the write only once all of it is stored.
    for (const record of written) for (const listener of listeners) listener(record);
    return { ok: true, revisions, position: commit };
  };

  /** An append to one stream. */
  const append = (streamName: string, expected: Expected, proposed: readonly Proposed[]): AppendOutcome => {
    const outcome = write([{ streamName, expected, proposed }]);
    if (!outcome.ok) return { ok: false, current: outcome.conflicts[0]?.current };
    return { ok: true, revision: outcome.revisions[0] ?? -1n, position: outcome.position };
  };

  const system = (streamName: string, type: string, data: object): void => {
    const bytes = new TextEncoder().encode(JSON.stringify(data));
    append(streamName, { kind: 'any' }, [
      { id: new Uint8Array(), type, contentType: 'application/json', data: bytes, customMetadata: new Uint8Array() },
    ]);
  };
  system('$users', '$User', { loginName: 'admin' });
  system('$user-admin', '$UserCreated', { loginName: 'admin', fullName: 'Event Store Administrator' });
  system('$settings', 'update-default-acl', { $userStreamAcl: {}, $systemStreamAcl: {} });

  return {
    append,
    write,
    /** The whole stream, or undefined when it does not exist. */
    stream: (streamName: string): readonly StoredRecord[] | undefined => streams.get(streamName),
    all: (): readonly StoredRecord[] => all,
    get headPosition(): RecordPosition {
      const last = all.at(-1);
      return { commit: last?.position ?? 0n, prepare: last?.prepare ?? 0n };
    },
    /** Hears every record appended from now on, in log order. */
    listen: (listener: (record: StoredRecord) => void): (() => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** A system event in the middle of our own, as the real server writes (e.g. scavenges, stats). */
    writeSystemEvent: (): void => system('$scavenges', '$scavengeStarted', { at: now() }),
  };
};
