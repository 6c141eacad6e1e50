import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteLog } from '../../src/eventlog/sqlite.js';
import { tempDir } from '../support/fixtures.js';
import { assertBuilt, browser, type ServerProcess, startServer, stopServer } from '../support/server-process.js';

// DATA_DIR holds customers' names and numbers (the log, its WAL, the read-model snapshot)
// and the secrets: nothing Holdfast creates there may be readable by another user.

const modes = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir).map((name) => [name, (statSync(join(dir, name)).mode & 0o777).toString(8).padStart(3, '0')]),
  );

let server: ServerProcess | undefined;
const dirs: Array<{ remove(): void }> = [];
beforeAll(assertBuilt);
afterEach(async () => {
  await stopServer(server);
  server = undefined;
  for (const d of dirs.splice(0)) d.remove();
});

describe('files under DATA_DIR', () => {
  it('are private (0600, the directory 0700) after a start, a booking and a clean stop', async () => {
    const parent = tempDir('holdfast-private-');
    dirs.push(parent);
    const dataDir = join(parent.path, 'data'); // created by the app
    server = await startServer({ DATA_DIR: dataDir, DEMO: '1', RATE_LIMIT_PER_MINUTE: '0' });
    const client = browser(server.base);
    const [slot] = (await client.call('GET', '/api/timeslots')).body as unknown as Array<{ id: string }>;
    expect((await client.call('POST', `/api/timeslots/${slot?.id}/reserve`, {})).status).toBe(200);
    const files = modes(dataDir);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['holdfast.db', 'holdfast.db-wal', 'holdfast.db-shm', 'owner-token', 'session-secret']),
    );
    for (const [name, mode] of Object.entries(files)) expect([name, mode]).toEqual([name, '600']);
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700');

    await server.stop(); // SIGTERM: writes the read-model snapshot
    const after = modes(dataDir);
    expect(Object.keys(after)).toContain('readmodels.snapshot.json');
    for (const [name, mode] of Object.entries(after)) expect([name, mode]).toEqual([name, '600']);
  });

  it('tightens a log an older version left readable (0644) when it opens it', async () => {
    const dir = tempDir('holdfast-private-');
    dirs.push(dir);
    const path = join(dir.path, 'holdfast.db');
    for (const file of [path, `${path}-wal`]) {
      writeFileSync(file, '');
      chmodSync(file, 0o644);
    }
    const log = createSqliteLog({ path });
    try {
      expect(modes(dir.path)['holdfast.db']).toBe('600');
      expect(modes(dir.path)['holdfast.db-wal']).toBe('600');
    } finally {
      await log.close();
    }
  });
});
