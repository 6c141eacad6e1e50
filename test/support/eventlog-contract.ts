import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitEndOf } from '../../machines/index.js';
import {
  type EventLog,
  readWholeLog,
  type StoredEvent,
  streamHead,
  VersionConflictError,
} from '../../src/eventlog/port.js';
import { until } from './fixtures.js';

// The behaviour every event-log adapter must have. Each adapter's test file calls this
// with a harness; the EventStoreDB adapter will join with its own.

export type LogHarness = {
  /** A fresh, empty log. */
  open(): Promise<EventLog> | EventLog;
  /** A second connection to the same log, as another process would have. */
  openAnother(): Promise<EventLog> | EventLog;
  cleanup(): Promise<void> | void;
  /**
   * EventStoreDB reads one stream from its index, which may not know an event's global
   * position; such an adapter reports 0 there. Everywhere else positions must be exact.
   */
  streamReadPositionMayBeUnknown?: boolean;
  /** EventStoreDB has many writers and no cheap way to tell: such an adapter has no foreign-write mark. */
  foreignWritesUnknown?: boolean;
  /**
   * PostgreSQL hears of another process (its announcement when it opens, then each commit)
   * by a notification, milliseconds later: such an adapter's mark must move soon after, not
   * at once.
   */
  foreignWritesHeardLater?: boolean;
};

const ev = (type: string, n = 0) => ({ type, data: { n, text: 'ünïcødé ✂' }, metadata: { requestId: `r${n}` } });

const collect = (log: EventLog, fromPosition = 0) => {
  const seen: StoredEvent[] = [];
  const sub = log.subscribe({ fromPosition, onEvent: (e) => void seen.push(e) });
  return { seen, sub };
};

export const eventLogContract = (name: string, makeHarness: () => LogHarness): void => {
  describe(`event log contract: ${name}`, () => {
    let harness: LogHarness;
    let log: EventLog;
    const others: EventLog[] = [];
    /** A stream read's position must be exact, or 0 ("unknown") where the adapter may say so. */
    const expectStreamReadPosition = (actual: number | undefined, expected: number | undefined) => {
      if (actual === 0 && harness.streamReadPositionMayBeUnknown) return;
      expect(actual).toBe(expected);
    };

    beforeEach(async () => {
      harness = makeHarness();
      log = await harness.open();
    });
    afterEach(async () => {
      for (const other of others.splice(0)) await other.close();
      await log.close();
      await harness.cleanup();
    });

    it('appends to a new stream and reads it back in order', async () => {
      const result = await log.append('s-1', [ev('A', 1), ev('B', 2)], 'no_stream');
      expect(result.nextRevision).toBe(1);
      const stream = await log.readStream('s-1');
      expect(stream.map((e) => [e.type, e.revision])).toEqual([
        ['A', 0],
        ['B', 1],
      ]);
      expectStreamReadPosition(stream[1]?.position, result.position);
      expect(stream[0]?.data).toEqual({ n: 1, text: 'ünïcødé ✂' });
      expect(stream[0]?.metadata).toEqual({ requestId: 'r1' });
      expect(Number.isNaN(Date.parse(stream[0]?.recordedAt ?? ''))).toBe(false);
    });

    it('reads a stream that does not exist as empty', async () => {
      expect(await log.readStream('nothing-here')).toEqual([]);
    });

    it("tells a stream's head revision (the adapter's own way, or by reading the stream)", async () => {
      expect(await streamHead(log, 'nothing-here')).toBe(-1);
      await log.append('s-1', [ev('A'), ev('B')], 'no_stream');
      expect(await streamHead(log, 's-1')).toBe(1);
      await log.append('s-1', [ev('C')], 1);
      expect(await streamHead(log, 's-1')).toBe(2);
      expect(await streamHead(log, 's-2')).toBe(-1);
    });

    it('appends at the expected revision and refuses any other', async () => {
      await log.append('s-1', [ev('A')], 'no_stream');
      await expect(log.append('s-1', [ev('B')], 0)).resolves.toMatchObject({ nextRevision: 1 });
      const stale = log.append('s-1', [ev('C')], 0);
      await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
      await expect(stale).rejects.toMatchObject({ streamId: 's-1', expected: 0, actual: 1 });
      await expect(log.append('s-1', [ev('D')], 'no_stream')).rejects.toMatchObject({ actual: 1 });
      await expect(log.append('s-2', [ev('E')], 3)).rejects.toMatchObject({ actual: 'no_stream' });
      expect((await log.readStream('s-1')).map((e) => e.type)).toEqual(['A', 'B']);
    });

    it("appends with 'any' whatever the stream holds", async () => {
      await log.append('s-1', [ev('A')], 'any');
      await log.append('s-1', [ev('B')], 'any');
      expect((await log.readStream('s-1')).map((e) => e.revision)).toEqual([0, 1]);
    });

    it('lets exactly one of many concurrent appends at the same revision win', async () => {
      await log.append('hot', [ev('Opened')], 'no_stream');
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => log.append('hot', [ev('Won', i)], 0)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof VersionConflictError)).toHaveLength(
        19,
      );
      expect(await log.readStream('hot')).toHaveLength(2);
    });

    it('commits concurrent appends to different streams, each acknowledged with its own position', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => log.append(`s-${i}`, [ev('A', i)], 'no_stream')),
      );
      const positions = results.map((r) => r.position);
      expect(new Set(positions).size).toBe(50);
      for (let i = 0; i < 50; i += 1) {
        const stream = await log.readStream(`s-${i}`);
        expect(stream[0]?.data).toMatchObject({ n: i });
        expectStreamReadPosition(stream[0]?.position, positions[i]);
      }
    });

    it('keeps a multi-event append atomic: all or nothing', async () => {
      await log.append('s-1', [ev('A')], 'no_stream');
      await expect(log.append('s-1', [ev('B'), ev('C')], 'no_stream')).rejects.toBeInstanceOf(VersionConflictError);
      expect(await log.readStream('s-1')).toHaveLength(1);
    });

    it('reads everything after a position, in strictly increasing order, in pages', async () => {
      for (let i = 0; i < 7; i += 1) await log.append(`s-${i % 3}`, [ev('A', i)], 'any');
      const all = await log.readAll(0, 100);
      expect(all).toHaveLength(7);
      for (let i = 1; i < all.length; i += 1) expect(all[i]?.position).toBeGreaterThan(all[i - 1]?.position ?? 0);
      const page = await log.readAll(all[2]?.position ?? 0, 2);
      expect(page.map((e) => e.position)).toEqual([all[3]?.position, all[4]?.position]);
      expect(await log.readAll(all[6]?.position ?? 0, 10)).toEqual([]);
    });

    it('subscribes: catches up from a position, then follows new appends in order', async () => {
      await log.append('s-1', [ev('A', 1)], 'no_stream');
      const first = (await log.readAll(0, 1))[0];
      await log.append('s-1', [ev('B', 2)], 0);
      const { seen, sub } = collect(log, first?.position ?? 0);
      await sub.caughtUp;
      expect(seen.map((e) => e.type)).toEqual(['B']);
      await log.append('s-2', [ev('C', 3)], 'no_stream');
      await log.append('s-1', [ev('D', 4)], 1);
      await until(() => seen.length === 3);
      expect(seen.map((e) => e.type)).toEqual(['B', 'C', 'D']);
      sub.close();
    });

    it("follows another connection's appends (several processes, one log)", async () => {
      const other = await harness.openAnother();
      others.push(other);
      const { seen, sub } = collect(log);
      await sub.caughtUp;
      await other.append('s-1', [ev('FromOther')], 'no_stream');
      await until(() => seen.length === 1);
      expect(seen[0]?.type).toBe('FromOther');
      // And the revision guard holds across connections.
      await expect(log.append('s-1', [ev('Stale')], 'no_stream')).rejects.toBeInstanceOf(VersionConflictError);
      sub.close();
    });

    it('stops delivering after a subscription is closed', async () => {
      const { seen, sub } = collect(log);
      await sub.caughtUp;
      sub.close();
      await log.append('s-1', [ev('A')], 'no_stream');
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toEqual([]);
    });

    it("moves its foreign-write mark for another connection's commit, never for its own", async () => {
      // An adapter that cannot tell leaves the mark out; the engine then assumes others write.
      if (harness.foreignWritesUnknown) {
        expect(log.foreignWriteMark).toBeUndefined();
        return;
      }
      if (log.foreignWriteMark === undefined) throw new Error(`${log.kind} has no foreign-write mark`);
      const initial = log.foreignWriteMark();
      const other = await harness.openAnother();
      others.push(other);
      // Such an adapter hears of the newcomer when it announces itself: a move of its own.
      if (harness.foreignWritesHeardLater) await until(() => log.foreignWriteMark?.() !== initial, 2_000);
      const before = log.foreignWriteMark();
      await log.append('s-1', [ev('A')], 'no_stream');
      await log.readStream('s-1');
      expect(log.foreignWriteMark()).toBe(before);
      await other.append('s-2', [ev('B')], 'no_stream');
      if (harness.foreignWritesHeardLater) await until(() => log.foreignWriteMark?.() !== before, 2_000);
      expect(log.foreignWriteMark()).not.toBe(before);
      const after = log.foreignWriteMark();
      await log.append('s-1', [ev('C')], 0);
      expect(log.foreignWriteMark()).toBe(after);
    });

    it('appends to several streams in one atomic write, each at its own revision, seen as one commit', async () => {
      await log.append('s-1', [ev('A', 1)], 'no_stream');
      const writes = [
        { streamId: 's-1', events: [ev('B', 2)], expected: 0 },
        { streamId: 's-2', events: [ev('C', 3), ev('D', 4)], expected: 'no_stream' as const },
        { streamId: 's-3', events: [ev('E', 5)], expected: 'no_stream' as const },
      ];
      const result = await log.appendMany(writes);
      expect(result.streams).toEqual([
        { streamId: 's-1', nextRevision: 1 },
        { streamId: 's-2', nextRevision: 1 },
        { streamId: 's-3', nextRevision: 0 },
      ]);
      const all = await readWholeLog(log);
      expect(all.map((e) => [e.streamId, e.revision, e.type])).toEqual([
        ['s-1', 0, 'A'],
        ['s-1', 1, 'B'],
        ['s-2', 0, 'C'],
        ['s-2', 1, 'D'],
        ['s-3', 0, 'E'],
      ]);
      expect(result.position).toBe(all.at(-1)?.position);
      // Every event of the write says where its commit ends; a one-event append is its own.
      expect(all.slice(1).map((e) => commitEndOf(e))).toEqual(Array(4).fill(result.position));
      expect(commitEndOf(all[0] as StoredEvent)).toBe(all[0]?.position);
      // …and a follower sees it so.
      const { seen, sub } = collect(log);
      await until(() => seen.length === 5);
      sub.close();
      expect(seen.slice(1).every((e) => commitEndOf(e) === result.position)).toBe(true);
    });

    it('refuses the whole write when any stream is not at its revision, names every such stream, writes nothing', async () => {
      await log.append('s-1', [ev('A')], 'no_stream');
      await log.append('s-2', [ev('B')], 'no_stream');
      const refused = log.appendMany([
        { streamId: 's-1', events: [ev('C')], expected: 0 }, // fine
        { streamId: 's-2', events: [ev('D')], expected: 'no_stream' }, // it exists
        { streamId: 's-3', events: [ev('E')], expected: 4 }, // it does not
      ]);
      await expect(refused).rejects.toBeInstanceOf(VersionConflictError);
      const conflict = (await refused.catch((e: unknown) => e)) as VersionConflictError;
      expect(conflict.conflicts.map((c) => [c.streamId, c.actual])).toEqual([
        ['s-2', 0],
        ['s-3', 'no_stream'],
      ]);
      expect((await readWholeLog(log)).map((e) => e.type)).toEqual(['A', 'B']);
      // Malformed writes are refused before anything is looked at.
      await expect(log.appendMany([])).rejects.toThrow();
      await expect(
        log.appendMany([
          { streamId: 's-1', events: [ev('X')], expected: 0 },
          { streamId: 's-1', events: [ev('Y')], expected: 0 },
        ]),
      ).rejects.toThrow(/twice/);
      await expect(log.appendMany([{ streamId: 's-9', events: [], expected: 'no_stream' }])).rejects.toThrow();
      expect(await readWholeLog(log)).toHaveLength(2);
    });

    it('finishes appends already accepted when closed', async () => {
      const pending = log.append('s-1', [ev('A')], 'no_stream');
      await log.close();
      await expect(pending).resolves.toMatchObject({ nextRevision: 0 });
      log = await harness.openAnother();
      expect(await log.readStream('s-1')).toHaveLength(1);
    });
  });
};
