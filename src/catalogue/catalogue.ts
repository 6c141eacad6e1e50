import type { Logger } from 'pino';
import {
  CATALOGUE_STREAM,
  type CatalogueCommand,
  decideCatalogue,
  EVENT_SCHEMA_VERSION,
  type EventMetadata,
  evolveCatalogue,
  type Service,
  toCatalogueEvent,
} from '../../machines/index.js';
import type { Clock } from '../clock.js';
import { EngineError } from '../engine/errors.js';
import { type EventLog, expectedFor, isVersionConflict } from '../eventlog/port.js';

// The owner's commands on the menu of services. The catalogue is one small stream: each
// command reads it, decides on the whole of it (names are unique across services), and
// appends at the revision it read, so two owners (or two processes) editing at once cannot
// both win; the loser reads again and decides again. Answered once the read models have it.

export type CatalogueMeta = { requestId?: string; actor?: EventMetadata['actor'] };
export type Catalogue = ReturnType<typeof createCatalogue>;

const CONFLICT_RETRIES = 3;

export const createCatalogue = (deps: {
  log: EventLog;
  clock: Clock;
  waitFor(position: number): Promise<void>;
  logger?: Logger | undefined;
}) => {
  const { log, clock, logger } = deps;
  let queue: Promise<unknown> = Promise.resolve(); // one command at a time in this process

  const unavailable = (error: unknown): never => {
    logger?.error({ err: error }, 'the catalogue stream could not be read or written');
    throw new EngineError('log_unavailable', 'the booking log is unavailable, try again', { cause: error });
  };

  const handle = async (command: CatalogueCommand, meta: CatalogueMeta): Promise<Service> => {
    for (let attempt = 0; ; attempt += 1) {
      const stream = await log.readStream(CATALOGUE_STREAM).catch(unavailable);
      const services = new Map<string, Service>();
      for (const stored of stream) {
        const event = toCatalogueEvent(stored);
        if (event !== undefined) evolveCatalogue(services, event);
      }
      const events = decideCatalogue(services, command, clock.now());
      const serviceId = command.type === 'define' ? events[0]?.data.serviceId : command.serviceId;
      for (const event of events) evolveCatalogue(services, event);
      const service = services.get(serviceId ?? '');
      if (service === undefined) throw new Error(`service ${serviceId} missing after its own decision`);
      if (events.length === 0) return service;
      const metadata: EventMetadata = {
        schemaVersion: EVENT_SCHEMA_VERSION,
        actor: meta.actor ?? { kind: 'owner' },
        ...(meta.requestId !== undefined && { requestId: meta.requestId }),
      };
      try {
        const appended = await log.append(
          CATALOGUE_STREAM,
          events.map((e) => ({ type: e.type, data: e.data, metadata })),
          expectedFor(stream.at(-1)?.revision ?? -1),
        );
        await deps.waitFor(appended.position);
        return service;
      } catch (error) {
        if (isVersionConflict(error) && attempt < CONFLICT_RETRIES) continue;
        if (isVersionConflict(error)) throw new EngineError('busy', 'the menu is changing fast, try again');
        return unavailable(error);
      }
    }
  };

  const run = (command: CatalogueCommand, meta: CatalogueMeta = {}): Promise<Service> => {
    const result = queue.then(() => handle(command, meta));
    queue = result.catch(() => undefined);
    return result;
  };

  return {
    define: (input: Extract<CatalogueCommand, { type: 'define' }>['input'], meta?: CatalogueMeta) =>
      run({ type: 'define', input }, meta),
    change: (serviceId: string, input: Extract<CatalogueCommand, { type: 'change' }>['input'], meta?: CatalogueMeta) =>
      run({ type: 'change', serviceId, input }, meta),
    retire: (serviceId: string, meta?: CatalogueMeta) => run({ type: 'retire', serviceId }, meta),
  };
};
