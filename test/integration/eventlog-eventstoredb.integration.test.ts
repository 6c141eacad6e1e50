import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createEventStoreLog } from '../../src/eventlog/eventstoredb.js';
import type { EventLog, StoredEvent } from '../../src/eventlog/port.js';
import { type EventStoreStandin, startEventStoreStandin } from '../support/esdb-standin/server.js';
import { eventLogContract, type LogHarness } from '../support/eventlog-contract.js';
import { until } from '../support/fixtures.js';

// The EventStoreDB adapter against the wire-level stand-in (test/support/esdb-standin),
// through the real @eventstore/db-client over a socket: once with BatchAppend (what a
// current server offers) and once with the older Append. With EVENTSTORE_URL set, the same
// contract also runs against that real server, each run in its own stream namespace.

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
    noMultiStreamAppend: true,
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
      noMultiStreamAppend: true,
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
    expect(log.kind).toContain('eventstoredb');
    expect(log.kind).not.toContain('changeit');
    await log.close();
    await expect(log.append('a', [ev('Late')], 'no_stream')).rejects.toThrow(/closed/);
  });
});
