import type { Logger } from 'pino';
import {
  type DecideContext,
  type Decisions,
  EVENT_SCHEMA_VERSION,
  type EventMetadata,
  NeedsSlots,
  type SlotState,
  streamIdOf,
  type TimeslotEvent,
} from '../../machines/index.js';
import type { Clock } from '../clock.js';
import { type EventLog, expectedFor, isVersionConflict, streamHead } from '../eventlog/port.js';
import type { CommandMeta, CommandResult } from './engine.js';
import { EngineError } from './errors.js';
import type { ActorRegistry } from './registry.js';
import type { SlotActor } from './slot-actor.js';
import type { SoleWriter } from './sole-writer.js';

// The command cycle over a set of slots (one slot is a set of one): decide on their actors →
// append at each actor's revision, in one write across their streams → apply to each actor
// → wait until the read models have it → answer. Runs inside every one of the slots'
// mailboxes (see mailbox.ts), so no other command for any of them interleaves with it here.

const CONFLICT_RETRIES = 3;

export const toNewEvent = (event: TimeslotEvent, meta: CommandMeta) => {
  const metadata: EventMetadata = {
    schemaVersion: EVENT_SCHEMA_VERSION,
    actor: meta.actor,
    ...(meta.requestId !== undefined && { requestId: meta.requestId }),
  };
  return { type: event.type, data: event.data, metadata };
};

/** Decides for the whole set at once, from every slot's current state. */
export type Decider = (states: ReadonlyMap<string, SlotState>, ctx: DecideContext) => Decisions;

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

  /** Drops every warm actor that is behind its stream; whether there was one. */
  const droppedBehind = async (warm: readonly SlotActor[], receivedAt?: number): Promise<boolean> => {
    const behind = await Promise.all(warm.map((a) => isBehindLog(a.slotId, a.revision, receivedAt)));
    warm.forEach((a, i) => {
      if (behind[i]) registry.drop(a.slotId);
    });
    return behind.includes(true);
  };

  const activateAll = async (slotIds: readonly string[], attempt: number, receivedAt?: number) => {
    const one = async (slotId: string): Promise<{ actor: SlotActor; warm: boolean }> => {
      const warm = registry.get(slotId) !== undefined;
      // A retry follows a conflict: whatever we knew was wrong, so read the stream.
      const known = !warm && attempt === 0 ? sole.knownState(slotId, receivedAt) : undefined;
      const actor = await registry.activate(slotId, known);
      sole.loaded(slotId);
      return { actor, warm };
    };
    return slotIds.length === 1 ? [await one(slotIds[0] as string)] : Promise.all(slotIds.map(one));
  };

  /** `target`: the slot the command was given on, whose state the answer leads with. */
  return async (
    target: string,
    slotIds: readonly string[],
    decideAll: Decider,
    meta: CommandMeta,
  ): Promise<CommandResult> => {
    const answer = (states: Map<string, SlotState>, events: TimeslotEvent[], position?: number): CommandResult => {
      const slot = states.get(target);
      if (slot === undefined) throw new Error(`command on ${target} did not cover it`);
      return { slot, slots: states, events, ...(position !== undefined && { position }) };
    };
    for (let attempt = 0; ; attempt += 1) {
      const loaded = await activateAll(slotIds, attempt, meta.receivedAt);
      // One pass (this runs for every command; a set of one is the common case).
      const actors = new Map<string, SlotActor>();
      const states = new Map<string, SlotState>();
      const warm: SlotActor[] = [];
      for (const { actor, warm: wasWarm } of loaded) {
        actors.set(actor.slotId, actor);
        states.set(actor.slotId, actor.state());
        if (wasWarm) warm.push(actor);
      }
      const forgetUnknown = (): void => {
        for (const [id, state] of states) if (state.status === 'unopened') registry.drop(id); // never cache unknown ids
      };
      let decisions: Decisions;
      try {
        decisions = decideAll(states, { now: clock.now(), holdMs: deps.holdMs, cooldownMs: deps.cooldownMs });
      } catch (error) {
        if (!(error instanceof NeedsSlots) && (await droppedBehind(warm, meta.receivedAt))) continue;
        forgetUnknown();
        throw error;
      }
      const writes: Array<[string, TimeslotEvent[]]> = [];
      for (const entry of decisions) if (entry[1].length > 0) writes.push(entry);
      if (writes.length === 0) {
        if (await droppedBehind(warm, meta.receivedAt)) continue;
        return answer(states, []);
      }
      const actorOf = (slotId: string): SlotActor => {
        const actor = actors.get(slotId);
        if (actor === undefined) throw new Error(`decided for slot ${slotId}, which the command did not enter`);
        return actor;
      };
      for (const [slotId, events] of writes) actorOf(slotId).check(events);

      let revisions: number[];
      let position: number;
      try {
        if (writes.length === 1) {
          const [slotId, events] = writes[0] as [string, TimeslotEvent[]];
          const appended = await log.append(
            streamIdOf(slotId),
            events.map((e) => toNewEvent(e, meta)),
            expectedFor(actorOf(slotId).revision),
          );
          revisions = [appended.nextRevision];
          position = appended.position;
        } else {
          const appended = await log.appendMany(
            writes.map(([slotId, events]) => ({
              streamId: streamIdOf(slotId),
              events: events.map((e) => toNewEvent(e, meta)),
              expected: expectedFor(actorOf(slotId).revision),
            })),
          );
          revisions = appended.streams.map((s) => s.nextRevision);
          position = appended.position;
        }
      } catch (error) {
        // Either another process wrote (reload and decide again) or we do not know whether
        // the write landed: in both cases none of these actors' views can be trusted, nor the
        // read model's (it may lack events that did land), for every slot of the write.
        for (const slotId of slotIds) {
          registry.drop(slotId);
          sole.distrust(slotId);
        }
        if (isVersionConflict(error) && attempt < CONFLICT_RETRIES) continue;
        if (isVersionConflict(error)) {
          throw new EngineError('busy', 'this timeslot is changing fast, try again', { cause: error });
        }
        logger?.error({ err: error, slotIds }, 'append failed');
        throw new EngineError('log_unavailable', 'the booking log is unavailable, try again', { cause: error });
      }

      writes.forEach(([slotId, events], i) => {
        const actor = actorOf(slotId);
        actor.apply(events, revisions[i] as number);
        states.set(slotId, actor.state());
      });
      await deps.waitFor(position);
      return answer(states, writes.length === 1 ? (writes[0]?.[1] ?? []) : writes.flatMap(([, e]) => e), position);
    }
  };
};
