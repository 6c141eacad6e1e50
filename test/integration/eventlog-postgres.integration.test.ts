import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWholeLog, type StoredEvent } from '../../src/eventlog/port.js';
import { createPostgresLog, type PostgresLog } from '../../src/eventlog/postgres.js';
import { IDLE_IN_TRANSACTION_MS } from '../../src/eventlog/postgres-parts.js';
import { eventLogContract } from '../support/eventlog-contract.js';
import { until } from '../support/fixtures.js';
import { type Cluster, freshSchema, postgresMissing, startPostgres } from '../support/postgres.js';

// The PostgreSQL log on a real server (a throwaway cluster in a temp dir): the contract every
// adapter keeps, then what is PostgreSQL's own — positions that commit out of order, many
// processes migrating one empty database at once.

const missing = postgresMissing();
let cluster: Cluster | undefined;
const url = (): string => {
  if (cluster === undefined) throw new Error('no cluster');
  return cluster.url;
};

const open = async (schema: string, extra: Partial<Parameters<typeof createPostgresLog>[0]> = {}) => {
  const log = createPostgresLog({ connectionString: url(), schema, pollMs: 200, ...extra });
  await log.ready();
  return log;
};

const ev = (n: number) => ({ type: 'E', data: { n } });

describe.skipIf(missing)('postgres log', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 60_000);
  afterAll(() => cluster?.stop());

  eventLogContract('postgres (real server)', () => {
    const schema = freshSchema();
    return {
      open: () => open(schema),
      openAnother: () => open(schema),
      cleanup: () => undefined,
      foreignWritesHeardLater: true,
    };
  });

  describe('gap-free following', () => {
    it('the pitfall is real: with a plain sequence, a follower reading "position > last" skips a late commit', async () => {
      const schema = freshSchema();
      const [a, b, reader] = [new pg.Client(url()), new pg.Client(url()), new pg.Client(url())];
      await Promise.all([a.connect(), b.connect(), reader.connect()]);
      try {
        await a.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.naive (position bigserial PRIMARY KEY)`);
        const readAfter = async (position: number) =>
          (
            await reader.query(`SELECT position FROM ${schema}.naive WHERE position > $1 ORDER BY position`, [position])
          ).rows.map((r) => Number(r.position));
        await a.query('BEGIN');
        await a.query(`INSERT INTO ${schema}.naive DEFAULT VALUES`); // takes 1
        await b.query('BEGIN');
        await b.query(`INSERT INTO ${schema}.naive DEFAULT VALUES`); // takes 2
        await b.query('COMMIT'); // 2 commits first
        const first = await readAfter(0);
        expect(first).toEqual([2]);
        await a.query('COMMIT'); // 1 commits last
        expect(await readAfter(first.at(-1) ?? 0)).toEqual([]); // 1 is never seen: the gap
      } finally {
        await Promise.all([a.end(), b.end(), reader.end()]);
      }
    });

    it('our appends: a transaction held open before COMMIT holds back the next, and a follower skips nothing', async () => {
      const schema = freshSchema();
      let entered: () => void = () => {};
      const inside = new Promise<void>((resolve) => (entered = resolve));
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let first = true;
      const slow = await open(schema, {
        beforeCommit: async () => {
          if (!first) return;
          first = false;
          entered();
          await held;
        },
      });
      const fast = await open(schema);
      const watcher = await open(schema);
      const seen: StoredEvent[] = [];
      const sub = watcher.subscribe({ fromPosition: 0, onEvent: (e) => void seen.push(e) });
      try {
        const early = slow.append('early', [ev(1), ev(2)], 'no_stream'); // would take the lower positions
        await inside; // its rows are written, its transaction is open
        let lateDone = false;
        const late = fast.append('late', [ev(3)], 'no_stream').finally(() => (lateDone = true));
        await new Promise((r) => setTimeout(r, 300));
        // With sequence positions the late append would have committed here, and the
        // follower would have read past the early one's positions.
        expect(lateDone).toBe(false);
        expect(seen).toEqual([]);
        release();
        const [e, l] = await Promise.all([early, late]);
        expect(e.position).toBeLessThan(l.position);
        await until(() => seen.length === 3);
        expect(seen.map((x) => x.streamId)).toEqual(['early', 'early', 'late']);
        expect(seen.map((x) => x.position)).toEqual([1, 2, 3]);
      } finally {
        release();
        sub.close();
        for (const log of [slow, fast, watcher]) await log.close();
      }
    });

    it('a writer gone silent inside its commit (a cut link) holds the others up for seconds, not for hours', async () => {
      const schema = freshSchema();
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      // Its transaction written and open, then nothing more from it: what a cut link looks like to the server.
      const silent = await open(schema, {
        beforeCommit: async () => {
          entered();
          await new Promise((r) => setTimeout(r, IDLE_IN_TRANSACTION_MS + 3_000));
        },
      });
      const other = await open(schema);
      try {
        const stuck = silent.append('stuck', [ev(1)], 'no_stream').then(
          () => 'committed',
          () => 'refused',
        );
        await inside;
        const started = Date.now();
        await other.append('other', [ev(2)], 'no_stream');
        expect(Date.now() - started).toBeLessThan(IDLE_IN_TRANSACTION_MS + 2_000);
        expect(await stuck).toBe('refused'); // the server ended its transaction: nothing of it landed
        expect((await readWholeLog(other)).map((e) => e.streamId)).toEqual(['other']);
      } finally {
        for (const log of [silent, other]) await log.close();
      }
    });

    it('many writers at once: every follower sees every event, positions dense and in order', async () => {
      const schema = freshSchema();
      const writers = await Promise.all([open(schema), open(schema), open(schema)]);
      const watcher = await open(schema);
      const seen: number[] = [];
      const sub = watcher.subscribe({ fromPosition: 0, onEvent: (e) => void seen.push(e.position) });
      try {
        await Promise.all(
          writers.flatMap((log, w) =>
            Array.from({ length: 40 }, (_, i) =>
              i % 4 === 0
                ? log.appendMany([
                    { streamId: `w${w}-a${i}`, events: [ev(i)], expected: 'no_stream' },
                    { streamId: `w${w}-b${i}`, events: [ev(i), ev(i)], expected: 'no_stream' },
                  ])
                : log.append(`w${w}-${i}`, [ev(i)], 'no_stream'),
            ),
          ),
        );
        const total = 3 * (30 + 10 * 3);
        await until(() => seen.length === total, 10_000);
        expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        expect((await readWholeLog(watcher)).map((e) => e.position)).toEqual(seen);
      } finally {
        sub.close();
        for (const log of [...writers, watcher]) await log.close();
      }
    });
  });

  it('several processes opening one empty database at the same moment all migrate it, once', async () => {
    const schema = freshSchema();
    const logs: PostgresLog[] = await Promise.all(Array.from({ length: 6 }, () => open(schema)));
    try {
      await Promise.all(logs.map((log, i) => log.append(`s-${i}`, [ev(i)], 'no_stream')));
      expect(await readWholeLog(logs[0] as PostgresLog)).toHaveLength(6);
    } finally {
      for (const log of logs) await log.close();
    }
  });

  it('names itself with the password masked', async () => {
    const log = createPostgresLog({ connectionString: 'postgres://holdfast:s3cret@127.0.0.1:1/db', schema: 'x' });
    try {
      expect(log.kind).toContain('postgres://holdfast:***@127.0.0.1:1/db');
      expect(log.kind).not.toContain('s3cret');
    } finally {
      await log.close();
    }
  });
});
