import type { Logger } from 'pino';
import {
  decide,
  EVENT_SCHEMA_VERSION,
  type EventMetadata,
  type SlotCommand,
  streamIdOf,
  type TimeslotEvent,
} from '../../machines/index.js';
import type { Clock } from '../clock.js';
import { type EventLog, expectedFor, isVersionConflict, streamHead } from '../eventlog/port.js';
import type { CommandMeta, CommandResult } from './engine.js';
import { EngineError } from './errors.js';
import type { ActorRegistry } from './registry.js';
import type { SoleWriter } from './sole-writer.js';

// The command cycle for one slot: decide on its actor → append at the actor's revision →
// apply to the actor → wait until the read models have it → answer. Runs inside the slot's
// mailbox (see engine.ts), so no other command for the slot interleaves with it here.

const CONFLICT_RETRIES = 3;

export const toNewEvent = (event: TimeslotEvent, meta: CommandMeta) => {
  const metadata: EventMetadata = {
    schemaVersion: EVENT_SCHEMA_VERSION,
    actor: meta.actor,
    ...(meta.requestId !== undefined && { requestId: meta.requestId }),
  };
  return { type: event.type, data: event.data, metadata };
};

export const createCommandCycle = (deps: {
  log: EventLog;
  clock: Clock;
  holdMs: number;
  cooldownMs: number;
  registry: ActorRegistry;
  sole: SoleWriter;
  waitFor(position: number): Promise<void>;
  /** Turns a failed read into `log_unavailable`. */
  unavailable(slotId: string): (error: unknown) => never;
  logger?: Logger | undefined;
}) => {
  const { log, clock, registry, sole, logger } = deps;

  // A warm actor may be behind the log when other processes write to it. An append proves
  // itself (the expected revision); a refusal or a "nothing to do" does not, so before we
  // give one from a warm actor we check the stream has not moved since the actor last saw it.
  // (Only the head is read, and only once another writer has been seen: under a stampede
  // on one slot every refusal pays for it. The mark is read only here and at cold
  // activation: under load even this cheap pragma showed in profiles.)
  const isBehindLog = async (slotId: string, revision: number, receivedAt?: number): Promise<boolean> =>
    !sole.alone(receivedAt) && (await streamHead(log, streamIdOf(slotId)).catch(deps.unavailable(slotId))) !== revision;

  return async (slotId: string, command: SlotCommand, meta: CommandMeta): Promise<CommandResult> => {
    for (let attempt = 0; ; attempt += 1) {
      const warm = registry.get(slotId) !== undefined;
      // A retry follows a conflict: whatever we knew was wrong, so read the stream.
      const known = !warm && attempt === 0 ? sole.knownState(slotId, meta.receivedAt) : undefined;
      const actor = await registry.activate(slotId, known);
      sole.loaded(slotId);
      let events: TimeslotEvent[];
      try {
        events = decide(actor.state(), command, { now: clock.now(), holdMs: deps.holdMs, cooldownMs: deps.cooldownMs });
      } catch (error) {
        if (warm && (await isBehindLog(slotId, actor.revision, meta.receivedAt))) {
          registry.drop(slotId);
          continue;
        }
        if (actor.state().status === 'unopened') registry.drop(slotId); // never cache unknown ids
        throw error;
      }
      if (events.length === 0) {
        if (warm && (await isBehindLog(slotId, actor.revision, meta.receivedAt))) {
          registry.drop(slotId);
          continue;
        }
        return { slot: actor.state(), events: [] };
      }
      actor.check(events);

      let appended: { nextRevision: number; position: number };
      try {
        appended = await log.append(
          streamIdOf(slotId),
          events.map((e) => toNewEvent(e, meta)),
          expectedFor(actor.revision),
        );
      } catch (error) {
        // Either another process wrote (reload and decide again) or we do not know whether
        // the event landed: in both cases this actor's view can no longer be trusted, nor
        // the read model's (it may lack an event that did land).
        registry.drop(slotId);
        sole.distrust(slotId);
        if (isVersionConflict(error) && attempt < CONFLICT_RETRIES) continue;
        if (isVersionConflict(error)) {
          throw new EngineError('busy', 'this timeslot is changing fast, try again', { cause: error });
        }
        logger?.error({ err: error, slotId }, 'append failed');
        throw new EngineError('log_unavailable', 'the booking log is unavailable, try again', { cause: error });
      }

      actor.apply(events, appended.nextRevision);
      await deps.waitFor(appended.position);
      return { slot: actor.state(), events, position: appended.position };
    }
  };
};
