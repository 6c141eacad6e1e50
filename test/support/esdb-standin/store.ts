// The stand-in's storage: one in-memory $all log, as EventStoreDB's single writer would
// keep it. Positions are byte offsets that grow by each record's size, so they are large,
// sparse and commit = prepare — like the real server's, and unlike a row counter. The log
// starts with a few system ($) events, which clients must filter out.

export type StoredRecord = {
  /** The event id as the client sent it (a serialized UUID message). */
  id: Uint8Array;
  streamName: string;
  revision: bigint;
  position: bigint;
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

  /** Atomic: every event of the append lands, in order, or none does. */
  const append = (streamName: string, expected: Expected, proposed: readonly Proposed[]): AppendOutcome => {
    const current = head(streamName);
    if (!matches(expected, current)) return { ok: false, current };
    const stream = streams.get(streamName) ?? [];
    streams.set(streamName, stream);
    const created = BigInt(now()) * TICKS_PER_MS;
    let revision = current ?? -1n;
    let position = 0n;
    const written: StoredRecord[] = [];
    for (const event of proposed) {
      revision += 1n;
      position = nextPosition;
      nextPosition +=
        RECORD_OVERHEAD +
        BigInt(event.data.length + event.customMetadata.length + streamName.length + event.type.length);
      const record: StoredRecord = { ...event, streamName, revision, position, created };
      stream.push(record);
      all.push(record);
      written.push(record);
    }
    // Listeners (live subscriptions) hear of the append only once all of it is stored.
    for (const record of written) for (const listener of listeners) listener(record);
    return { ok: true, revision, position };
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
    /** The whole stream, or undefined when it does not exist. */
    stream: (streamName: string): readonly StoredRecord[] | undefined => streams.get(streamName),
    all: (): readonly StoredRecord[] => all,
    get headPosition(): bigint {
      return all.at(-1)?.position ?? 0n;
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
