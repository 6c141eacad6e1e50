import { type EventLog, isVersionConflict } from './port.js';

// A decorator that reports how long each append took to become durable (group commit
// and fsync included), whatever the adapter. Metrics live at the edge, not in adapters.
// Every port method is listed by name (a new required one fails to compile until it is
// added here; optional capabilities are passed on only when the adapter has them).

export type AppendObserver = (seconds: number, outcome: 'ok' | 'conflict' | 'error') => void;

export const timedAppends = (log: EventLog, observe: AppendObserver): EventLog => {
  const timed = async <T>(append: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await append();
      observe(seconds(), 'ok');
      return result;
    } catch (error) {
      observe(seconds(), isVersionConflict(error) ? 'conflict' : 'error');
      throw error;
    }
  };
  return {
    kind: log.kind,
    readStream: log.readStream.bind(log),
    ...(log.headRevision !== undefined && { headRevision: log.headRevision.bind(log) }),
    ...(log.foreignWriteMark !== undefined && { foreignWriteMark: log.foreignWriteMark.bind(log) }),
    ...(log.failure !== undefined && { failure: log.failure.bind(log) }),
    ...(log.outage !== undefined && { outage: log.outage.bind(log) }),
    readAll: log.readAll.bind(log),
    subscribe: log.subscribe.bind(log),
    close: log.close.bind(log),
    append: (streamId, events, expected) => timed(() => log.append(streamId, events, expected)),
    appendMany: (writes) => timed(() => log.appendMany(writes)),
  };
};
