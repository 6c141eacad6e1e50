import { spawn } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EventStoreStandin, startEventStoreStandin } from '../support/esdb-standin/server.js';
import { tempDir, until } from '../support/fixtures.js';
import { assertBuilt, browser, MAIN, type ServerProcess, startServer, stopServer } from '../support/server-process.js';
import { connectLive } from '../support/ws-client.js';

// The real app process on KurrentDB (the stand-in) when the database is not there: at
// start-up, and in the middle of serving. It must never crash, never say it is ready when
// it is not, answer commands with a retryable 503 meanwhile, and pick up where it left off.
// And when the database is there but too old for multi-stream append, it must not start.

beforeAll(assertBuilt);

describe('an app process on EventStoreDB without its database', () => {
  const dir = tempDir('holdfast-outage-');
  let server: ServerProcess | undefined;
  let standin: EventStoreStandin | undefined;
  afterEach(async () => {
    await stopServer(server);
    await standin?.stop();
    dir.remove();
  });

  it('waits for it at start, answers 503 while it is gone, and recovers with live pushes', async () => {
    const probe = await startEventStoreStandin(); // a port nothing listens on once it stops
    const port = probe.port;
    await probe.stop();
    server = await startServer(
      {
        DATA_DIR: dir.path,
        EVENTSTORE_URL: `esdb://127.0.0.1:${port}?tls=false`,
        DEMO: '1',
        RATE_LIMIT_PER_MINUTE: '0',
      },
      { untilReady: false },
    );
    const { base } = server;
    const ready = async () => (await fetch(`${base}/readyz`)).status;
    expect(await ready()).toBe(503);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await ready()).toBe(503);
    expect(server.proc.exitCode).toBeNull();

    standin = await startEventStoreStandin({ port });
    await until(async () => (await ready()) === 200, 15_000);
    const client = browser(base);
    const list = async () => (await client.call('GET', '/api/timeslots')).body as unknown as Array<{ id: string }>;
    await until(async () => (await list()).length > 10); // the demo schedule, opened once the log is there
    const slots = await list();
    const live = await connectLive(`${base.replace('http', 'ws')}/api/live`);
    await live.next((m) => m.type === 'snapshot');

    await standin.stop();
    const refused = await client.call('POST', `/api/timeslots/${slots[0]?.id}/reserve`, {});
    expect(refused).toMatchObject({ status: 503, body: { error: 'log_unavailable' } });
    expect(server.proc.exitCode).toBeNull();

    await standin.restart();
    const target = slots[1]?.id ?? '';
    await until(async () => (await client.call('POST', `/api/timeslots/${target}/reserve`, {})).status === 200, 15_000);
    const pushed = await live.next((m) => m.type === 'slot' && m.timeslot?.id === target, 10_000);
    expect(pushed.timeslot).toMatchObject({ status: 'unavailable' });
    live.close();
  });
});

describe('an app process on a server without multi-stream append', () => {
  const dir = tempDir('holdfast-old-server-');
  let standin: EventStoreStandin | undefined;
  afterEach(async () => {
    await standin?.stop();
    dir.remove();
  });

  it('refuses to start, saying that KurrentDB 25.1 or later is needed', async () => {
    standin = await startEventStoreStandin({ multiStreamAppend: false });
    const proc = spawn(process.execPath, [MAIN], {
      env: { ...process.env, DATA_DIR: dir.path, EVENTSTORE_URL: standin.url, DEMO: '0', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    clearTimeout(timer);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^holdfast: .*multi-stream append.*KurrentDB 25\.1 or later/m);
  });
});
