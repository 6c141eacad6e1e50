import { type EventLog, isVersionConflict } from './port.js';

// A decorator that reports how long each append took to become durable (group commit
// and fsync included), whatever the adapter. Metrics live at the edge, not in adapters.

export type AppendObserver = (seconds: number, outcome: 'ok' | 'conflict' | 'error') => void;

export const timedAppends = (log: EventLog, observe: AppendObserver): EventLog => ({
  kind: log.kind,
  readStream: log.readStream.bind(log),
  ...(log.headRevision !== undefined && { headRevision: log.headRevision.bind(log) }),
  ...(log.foreignWriteMark !== undefined && { foreignWriteMark: log.foreignWriteMark.bind(log) }),
  ...(log.failure !== undefined && { failure: log.failure.bind(log) }),
  readAll: log.readAll.bind(log),
  subscribe: log.subscribe.bind(log),
  close: log.close.bind(log),
  append: async (streamId, events, expected) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await log.append(streamId, events, expected);
      observe(seconds(), 'ok');
      return result;
    } catch (error) {
      observe(seconds(), isVersionConflict(error) ? 'conflict' : 'error');
      throw error;
    }
  },
});
