import type fc from 'fast-check';
import type { Engine } from '../../src/engine/engine.js';
import type { EventLog } from '../../src/eventlog/port.js';

// Property tests that let fast-check's scheduler decide the order in which log calls of
// several engines complete.

/**
 * The real memory log, with each call's start released by the scheduler. Every method is
 * listed, none spread: a write or a read that skipped the scheduler would hide interleavings.
 */
export const scheduled = (log: EventLog, s: fc.Scheduler): EventLog => {
  const when = <T>(label: string, call: () => Promise<T>): Promise<T> =>
    s.schedule(Promise.resolve(), label).then(call);
  return {
    kind: log.kind,
    append: (...args) => when('append', () => log.append(...args)),
    appendMany: (...args) => when('appendMany', () => log.appendMany(...args)),
    readStream: (...args) => when('read', () => log.readStream(...args)),
    ...(log.headRevision !== undefined && {
      headRevision: (streamId: string) =>
        when('head', () => (log.headRevision as (id: string) => Promise<number>)(streamId)),
    }),
    ...(log.foreignWriteMark !== undefined && { foreignWriteMark: log.foreignWriteMark.bind(log) }),
    readAll: log.readAll.bind(log),
    subscribe: log.subscribe.bind(log),
    close: log.close.bind(log),
  };
};

/** Keeps releasing scheduled work until nothing is queued anywhere. */
export const settle = async (s: fc.Scheduler, engines: Engine[]) => {
  for (let i = 0; i < 50; i += 1) {
    await s.waitAll();
    await new Promise((r) => setImmediate(r));
    if (s.count() === 0 && engines.every((e) => e.mailboxDepth === 0)) return;
  }
  throw new Error('did not settle');
};
