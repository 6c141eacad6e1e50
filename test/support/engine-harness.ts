import { join } from 'node:path';
import type { Clock } from '../../src/clock.js';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/engine.js';
import type { EventLog } from '../../src/eventlog/port.js';
import { createSqliteLog, type SqliteLogOptions } from '../../src/eventlog/sqlite.js';
import { simulatedClock, tempDir } from './fixtures.js';

export const OWNER = { actor: { kind: 'owner' as const } };

export type Rig = {
  clock: ReturnType<typeof simulatedClock>;
  log: EventLog;
  engine: Engine;
  /** Stop the engine and close the log; stay down for `downForMs` of simulated time; start again. */
  restart(downForMs?: number): Promise<void>;
  /** Move simulated time forward and wait for the expiries it triggers to be persisted. */
  advance(ms: number): Promise<void>;
  dispose(): Promise<void>;
};

/** A real engine on a real SQLite file in a temp dir, driven by a simulated clock. */
export const sqliteRig = async (
  options: Partial<EngineOptions> = {},
  logOptions: Pick<SqliteLogOptions, 'syncWal'> = {},
): Promise<Rig> => {
  const dir = tempDir();
  const path = join(dir.path, 'events.db');
  const clock = simulatedClock();
  const make = async (): Promise<{ log: EventLog; engine: Engine }> => {
    const log = createSqliteLog({ path, clock, pollMs: 10, ...logOptions });
    const engine = createEngine({ log, clock: clock as Clock, holdSeconds: 180, maxHoldsPerClient: 2, ...options });
    await engine.start();
    return { log, engine };
  };
  let current = await make();
  const rig: Rig = {
    clock,
    get log() {
      return current.log;
    },
    get engine() {
      return current.engine;
    },
    restart: async (downForMs = 0) => {
      await current.engine.stop();
      await current.log.close();
      clock.increment(downForMs); // nothing of ours is running to notice
      current = await make();
    },
    advance: async (ms) => {
      clock.increment(ms);
      await current.engine.whenIdle();
    },
    dispose: async () => {
      await current.engine.stop();
      await current.log.close();
      dir.remove();
    },
  };
  return rig;
};
