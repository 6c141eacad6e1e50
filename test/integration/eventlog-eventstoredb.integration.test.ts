import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { commitEndOf } from '../../machines/index.js';
import { ConfigError } from '../../src/config.js';
import { createEventStoreLog } from '../../src/eventlog/eventstoredb.js';
import { openEventLog } from '../../src/eventlog/open.js';
import { type EventLog, readWholeLog, type StoredEvent, VersionConflictError } from '../../src/eventlog/port.js';
import { type EventStoreStandin, startEventStoreStandin } from '../support/esdb-standin/server.js';
import { eventLogContract, type LogHarness } from '../support/eventlog-contract.js';
import { until } from '../support/fixtures.js';

// The KurrentDB adapter against the wire-level stand-in (test/support/esdb-standin), through
// the real @kurrent/kurrentdb-client over a socket: once with BatchAppend (what a current
// server offers) and once with the older Append, both with 25.1's multi-stream append. With
// EVENTSTORE_URL set, the same contract also runs against that real server (25.1 or later),
// each run in its own stream namespace.

const standinHarness = (batchAppend: boolean) => (): LogHarness => {
  let standin: EventStoreStandin | undefined;
  const url = () => standin?.url ?? 'esdb://127.0.0.1:1?tls=false';
  return {
    open: async () => {
      standin = await startEventStoreStandin({ batchAppend });
      return createEventStoreLog({ connectionString: url() });
    },
    openAnother: () => createEventStoreLog({ connectionString: url() }),
    cleanup: () => standin?.stop(),
    streamReadPositionMayBeUnknown: true,
    foreignWritesUnknown: true,
  };
};

eventLogContract('eventstoredb adapter · stand-in with BatchAppend', standinHarness(true));
eventLogContract('eventstoredb adapter · stand-in with Append', standinHarness(false));

const realServer = process.env.EVENTSTORE_URL;
if (realServer !== undefined && realServer !== '') {
  eventLogContract(`eventstoredb adapter · real server at ${realServer}`, () => {
    const namespace = `contract-${randomUUID()}/`;
    return {
      open: () => createEventStoreLog({ connectionString: realServer, namespace }),
      openAnother: () => createEventStoreLog({ connectionString: realServer, namespace }),
      cleanup: () => undefined,
      streamReadPositionMayBeUnknown: true,
      foreignWritesUnknown: true,
    };
  });
} else {
  console.warn(
    'EVENTSTORE_URL is not set: the adapter contract runs against the stand-in only (see docs/scaling-out.md).',
  );
}

describe('eventstoredb adapter specifics (stand-in)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const standin = async () => {
    const server = await startEventStoreStandin();
    cleanups.push(() => server.stop());
    return server;
  };
  const open = (server: EventStoreStandin, namespace?: string): EventLog => {
    const log = createEventStoreLog({
      connectionString: server.url,
      retryMs: 20,
      maxRetryMs: 100,
      ...(namespace !== undefined && { namespace }),
    });
    cleanups.push(() => log.close());
    return log;
  };
  const follow = (log: EventLog, fromPosition = 0) => {
    const seen: StoredEvent[] = [];
    const sub = log.subscribe({ fromPosition, onEvent: (event) => void seen.push(event) });
    cleanups.push(() => sub.close());
    return { seen, sub };
  };
  const ev = (type: string) => ({ type, data: { type }, metadata: { requestId: type } });

  it("never delivers the server's own $ events, even between ours, and pages $all past them", async () => {
    const server = await standin();
    const log = open(server);
    await log.append('a', [ev('One')], 'no_stream');
    server.store.writeSystemEvent();
    server.store.writeSystemEvent();
    await log.append('b', [ev('Two')], 'no_stream');
    // Some of the server's own events have $ types; some only live in $ streams.
    expect(server.store.all().filter((r) => r.streamName.startsWith('$')).length).toBeGreaterThanOrEqual(5);
    expect(server.store.all().some((r) => r.streamName.startsWith('$') && !r.type.startsWith('$'))).toBe(true);

    const { seen, sub } = follow(log);
    await sub.caughtUp;
    expect(seen.map((e) => e.type)).toEqual(['One', 'Two']);
    // A page of one still finds the next of ours past the system events.
    const first = await log.readAll(0, 1);
    expect(first.map((e) => e.type)).toEqual(['One']);
    expect((await log.readAll(first[0]?.position ?? 0, 1)).map((e) => e.type)).toEqual(['Two']);
  });

  it('uses the commit position: large, sparse and increasing; stream reads without one say 0', async () => {
    const server = await standin();
    const log = open(server);
    const first = await log.append('a', [ev('One'), ev('Two')], 'no_stream');
    const second = await log.append('b', [ev('Three')], 'no_stream');
    const all = await log.readAll(0, 10);
    expect(all.map((e) => e.position)).toEqual([expect.any(Number), first.position, second.position]);
    expect(all[0]?.position).toBeGreaterThan(1000); // after the server's own events
    expect(second.position - first.position).toBeGreaterThan(1);
    // The stand-in, like the server's index, gives a stream read no global position.
    expect((await log.readStream('a')).map((e) => [e.revision, e.position])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(Date.parse((await log.readStream('a'))[0]?.recordedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps namespaces apart on one server: streams, $all and subscriptions', async () => {
    const server = await standin();
    const salonA = open(server, 'salon-a/');
    const salonB = open(server, 'salon-b/');
    const { seen, sub } = follow(salonA);
    await sub.caughtUp;
    await salonB.append('timeslot-1', [ev('B')], 'no_stream');
    await salonA.append('timeslot-1', [ev('A')], 'no_stream'); // same name, other namespace: no conflict
    await until(() => seen.length === 1);
    expect(seen.map((e) => [e.streamId, e.type])).toEqual([['timeslot-1', 'A']]);
    expect(server.store.stream('salon-b/timeslot-1')).toHaveLength(1);
    expect((await salonB.readAll(0, 10)).map((e) => e.type)).toEqual(['B']);
  });

  it('resubscribes after the server goes away and comes back: nothing lost, nothing twice', async () => {
    const server = await standin();
    const writer = open(server);
    const reader = open(server);
    const { seen, sub } = follow(reader);
    await writer.append('a', [ev('Before')], 'no_stream');
    await sub.caughtUp;
    await until(() => seen.length === 1);

    await server.stop();
    // While it is down an append fails plainly (the engine answers "log unavailable").
    await expect(writer.append('a', [ev('Lost')], 0)).rejects.toThrow();
    await server.restart();
    // The client reconnects on the next call; the first may still see the old channel.
    let appended = false;
    for (let attempt = 0; attempt < 50 && !appended; attempt += 1) {
      appended = await writer.append('a', [ev('After')], 0).then(
        () => true,
        async () => {
          await new Promise((r) => setTimeout(r, 50));
          return false;
        },
      );
    }
    expect(appended).toBe(true);
    await until(() => seen.length === 2, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.map((e) => e.type)).toEqual(['Before', 'After']);
    expect(server.store.stream('a')?.map((r) => r.type)).toEqual(['Before', 'After']);
  });

  it("hands the consumer's own failure back through onError and stops", async () => {
    const server = await standin();
    const log = open(server);
    await log.append('a', [ev('Poison')], 'no_stream');
    const errors: unknown[] = [];
    const sub = log.subscribe({
      fromPosition: 0,
      onEvent: () => {
        throw new Error('consumer broke');
      },
      onError: (error) => errors.push(error),
    });
    cleanups.push(() => sub.close());
    await until(() => errors.length === 1);
    expect(String(errors[0])).toContain('consumer broke');
  });

  it('names itself without credentials and refuses appends once closed', async () => {
    const server = await standin();
    const log = createEventStoreLog({ connectionString: `esdb://admin:changeit@127.0.0.1:${server.port}?tls=false` });
    expect(log.kind).toContain('kurrentdb');
    expect(log.kind).not.toContain('changeit');
    await log.close();
    await expect(log.append('a', [ev('Late')], 'no_stream')).rejects.toThrow(/closed/);
  });

  it('hands on a multi-stream append as one commit to readAll and to followers, resuming after it exactly', async () => {
    const server = await standin();
    const log = open(server);
    const before = await log.append('a', [ev('Before')], 'no_stream');
    const { seen, sub } = follow(log);
    await sub.caughtUp;
    const result = await log.appendMany([
      { streamId: 'a', events: [ev('A1'), ev('A2')], expected: 0 },
      { streamId: 'b', events: [ev('B1')], expected: 'no_stream' },
    ]);
    const after = await log.append('c', [ev('After')], 'no_stream');
    // In the stand-in, as the brief of 25.1's append says, the three share a commit position.
    expect(
      new Set(
        server.store
          .all()
          .slice(-4, -1)
          .map((r) => r.position),
      ).size,
    ).toBe(1);
    await until(() => seen.length === 5);
    const all = await readWholeLog(log);
    for (const events of [seen, all]) {
      expect(events.map((e) => e.type)).toEqual(['Before', 'A1', 'A2', 'B1', 'After']);
      expect(events.map((e) => commitEndOf(e))).toEqual([
        before.position,
        result.position,
        result.position,
        result.position,
        after.position,
      ]);
      // Strictly increasing, and the marker that made the commit whole is not the caller's.
      expect(events.map((e) => e.position)).toEqual([...events.map((e) => e.position)].sort((x, y) => x - y));
      expect(new Set(events.map((e) => e.position)).size).toBe(5);
      expect(events.map((e) => e.metadata)).toEqual(events.map((e) => ({ requestId: e.type })));
    }
    // From the commit's end: only what came after; from before it: all of it, never a part.
    expect((await log.readAll(result.position, 10)).map((e) => e.type)).toEqual(['After']);
    expect((await log.readAll(before.position, 2)).map((e) => e.type)).toEqual(['A1', 'A2', 'B1']);
    const resumed = follow(log, result.position);
    await until(() => resumed.seen.length === 1);
    expect(resumed.seen.map((e) => e.type)).toEqual(['After']);
    expect((await log.readStream('a')).map((e) => [e.type, e.metadata])).toEqual([
      ['Before', { requestId: 'Before' }],
      ['A1', { requestId: 'A1' }],
      ['A2', { requestId: 'A2' }],
    ]);
  });

  it('marks several events appended to one stream as one commit too', async () => {
    const server = await standin();
    const log = open(server);
    const result = await log.append('a', [ev('Expired'), ev('Reserved')], 'no_stream');
    const { seen, sub } = follow(log);
    await sub.caughtUp;
    expect(seen.map((e) => [e.type, commitEndOf(e)])).toEqual([
      ['Expired', result.position],
      ['Reserved', result.position],
    ]);
    expect(seen.map((e) => e.metadata)).toEqual([{ requestId: 'Expired' }, { requestId: 'Reserved' }]);
  });

  it('names the stream the server reports and every other stream found off its revision', async () => {
    const server = await standin();
    const log = open(server, 'ns/');
    await log.append('a', [ev('A')], 'no_stream');
    await log.append('c', [ev('C')], 'no_stream');
    const refused = await log
      .appendMany([
        { streamId: 'a', events: [ev('X')], expected: 'no_stream' },
        { streamId: 'b', events: [ev('Y')], expected: 'no_stream' },
        { streamId: 'c', events: [ev('Z')], expected: 3 },
      ])
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(VersionConflictError);
    expect((refused as VersionConflictError).conflicts).toEqual([
      { streamId: 'a', expected: 'no_stream', actual: 0 },
      { streamId: 'c', expected: 3, actual: 0 },
    ]);
    expect(server.store.stream('ns/b')).toBeUndefined();
  });

  describe('a server without multi-stream append (before KurrentDB 25.1)', () => {
    const config = (server: EventStoreStandin) => ({ dataDir: '/nonexistent', eventstoreUrl: server.url });

    it('fails opening the log, naming the version needed, whether it says so or only answers UNIMPLEMENTED', async () => {
      for (const advertised of [false, true]) {
        const server = await startEventStoreStandin({
          multiStreamAppend: false,
          advertiseMultiStreamAppend: advertised,
        });
        cleanups.push(() => server.stop());
        const opening = openEventLog(config(server));
        await expect(opening).rejects.toBeInstanceOf(ConfigError);
        await expect(opening).rejects.toThrow(/KurrentDB 25\.1 or later/);
      }
    });

    it('opens the log on a server that has it', async () => {
      const server = await standin();
      const log = await openEventLog(config(server));
      cleanups.push(() => log.close());
      expect(log.failure?.()).toBeUndefined();
    });

    it('when the server comes up only after opening: reports it as the log failure and refuses appends', async () => {
      const probe = await startEventStoreStandin();
      const port = probe.port;
      await probe.stop();
      const log = await openEventLog({ dataDir: '/nonexistent', eventstoreUrl: `esdb://127.0.0.1:${port}?tls=false` });
      cleanups.push(() => log.close());
      expect(log.failure?.()).toBeUndefined();
      const server = await startEventStoreStandin({ port, multiStreamAppend: false });
      cleanups.push(() => server.stop());
      await until(() => log.failure?.() !== undefined, 15_000);
      expect(log.failure?.()?.message).toMatch(/KurrentDB 25\.1 or later/);
      await expect(log.append('a', [ev('A')], 'no_stream')).rejects.toThrow(/KurrentDB 25\.1 or later/);
    });
  });
});
