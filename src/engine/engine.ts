import type { Logger } from 'pino';
import {
  type Actor,
  DomainError,
  decide,
  EVENT_SCHEMA_VERSION,
  type EventMetadata,
  isSlotId,
  type RecordedEvent,
  type SlotCommand,
  type SlotState,
  slotIdOfStream,
  streamIdOf,
  type TimeslotEvent,
  timeslotMachineFor,
} from '../../machines/index.js';
import {
  createReadModels,
  heldSlots,
  holdIsLive,
  type ReadModels,
  slotHistory,
  slotStateAt,
} from '../../projections/index.js';
import { createCatalogue } from '../catalogue/catalogue.js';
import type { Clock } from '../clock.js';
import { type EventLog, expectedFor, isVersionConflict, streamHead } from '../eventlog/port.js';
import { EngineError } from './errors.js';
import { createHoldCaps } from './hold-caps.js';
import { type IdSource, randomIds } from './ids.js';
import { createMailboxes } from './mailbox.js';
import { type OpenSlotInput, openSlots, precheckOpen, type OpenOutcome as SlotOpenOutcome } from './open-slots.js';
import { type CommittedListener, createProjector } from './projector.js';
import { createActorRegistry } from './registry.js';
import { createReserveGate } from './reserve-gate.js';
import { createSoleWriter } from './sole-writer.js';

export type EngineOptions = {
  log: EventLog;
  clock: Clock;
  holdSeconds: number;
  /**
   * How long after a client's hold on a slot ends (released or lapsed) that client, and
   * its network, may not hold the slot again. Defaults to one hold length; 0 turns it off.
   */
  holdCooldownSeconds?: number;
  maxHoldsPerClient: number;
  /** Live holds per network (commands that name one); 0 or unset: no per-network cap. */
  maxHoldsPerNetwork?: number;
  /** Commands waiting per slot before we answer "busy". */
  mailboxCapacity?: number;
  /** How long a reserve waits behind another client's reserve of its slot before "busy". */
  reserveWaitMs?: number;
  /** Idle (not held) actors kept warm; beyond this the least recently used are let go. */
  maxIdleActors?: number;
  ids?: IdSource;
  logger?: Logger;
  /** Read models to start from (a snapshot); start() replays only the events after them. */
  models?: ReadModels;
};

export type CommandMeta = {
  actor: Actor;
  requestId?: string;
  /** When the request was received (`performance.now()`); lets one log check serve many. */
  receivedAt?: number;
  /** The requester's network as a keyed hash (see src/http/network.ts), for per-network rules. */
  network?: string;
};

export type CommandResult = {
  /** The slot after the command (write model). */
  slot: SlotState;
  /** What was appended (empty for an idempotent repeat). */
  events: TimeslotEvent[];
  /** Log position of the last event appended; absent when nothing was. */
  position?: number;
};

export type { OpenSlotInput };
export type OpenOutcome = SlotOpenOutcome<CommandResult>;

export type Engine = ReturnType<typeof createEngine>;

const CONFLICT_RETRIES = 3;
/** Reserves waiting, across all slots and per slot, for another client's reserve of the same slot. */
const MAX_WAITING_RESERVES = 10_000;
const MAX_WAITING_PER_SLOT = 2_000;
const EXPIRE_RETRY_MS = 1_000;
const SYSTEM_EXPIRY: CommandMeta = { actor: { kind: 'system', reason: 'hold_expired' } };

export const createEngine = (options: EngineOptions) => {
  const { log, clock, logger } = options;
  const holdMs = options.holdSeconds * 1_000;
  const cooldownMs = (options.holdCooldownSeconds ?? options.holdSeconds) * 1_000;
  const ids = options.ids ?? randomIds;
  const machine = timeslotMachineFor(clock);
  const models: ReadModels = options.models ?? createReadModels();
  const projector = createProjector(log, models, logger);
  const mailboxes = createMailboxes(options.mailboxCapacity ?? 64);
  const caps = createHoldCaps({
    availability: models.availability,
    perClient: options.maxHoldsPerClient,
    perNetwork: options.maxHoldsPerNetwork ?? 0,
  });
  let state: 'created' | 'replaying' | 'starting' | 'ready' | 'stopping' | 'stopped' = 'created';

  // Reads fail like appends do: as `log_unavailable`, never as a raw adapter error.
  const unavailable = (slotId: string) => (error: unknown) => {
    logger?.error({ err: error, slotId }, 'reading a slot stream failed');
    throw new EngineError('log_unavailable', 'the booking log is unavailable, try again', { cause: error });
  };
  const readSlotStream = (slotId: string) => log.readStream(streamIdOf(slotId)).catch(unavailable(slotId));

  /** An opened slot's stream, or slot_not_found. */
  const openedStream = async (slotId: string) => {
    const stream = isSlotId(slotId) ? await readSlotStream(slotId) : [];
    if (stream.length === 0) throw new DomainError('slot_not_found', 'no such timeslot');
    return stream;
  };

  const registry = createActorRegistry({
    readSlotStream,
    machine,
    clock,
    maxIdle: options.maxIdleActors ?? 10_000,
    onDeadline: (slotId, holdId) => expire(slotId, holdId),
    isBusy: (slotId) => mailboxes.depthOf(slotId) > 0,
  });
  const { activate, drop } = registry;

  const sole = createSoleWriter(log, models.availability);
  const catalogue = createCatalogue({ log, clock, waitFor: projector.waitFor, logger });

  // ---- the command cycle: decide → append → apply → project → answer ----------------------

  const toNewEvent = (event: TimeslotEvent, meta: CommandMeta) => {
    const metadata: EventMetadata = {
      schemaVersion: EVENT_SCHEMA_VERSION,
      actor: meta.actor,
      ...(meta.requestId !== undefined && { requestId: meta.requestId }),
    };
    return { type: event.type, data: event.data, metadata };
  };

  // A warm actor may be behind the log when other processes write to it. An append proves
  // itself (the expected revision); a refusal or a "nothing to do" does not, so before we
  // give one from a warm actor we check the stream has not moved since the actor last saw it.
  // (Only the head is read, and only once another writer has been seen: under a stampede
  // on one slot every refusal pays for it. The mark is read only here and at cold
  // activation: under load even this cheap pragma showed in profiles.)
  const isBehindLog = async (slotId: string, revision: number, receivedAt?: number): Promise<boolean> =>
    !sole.alone(receivedAt) && (await streamHead(log, streamIdOf(slotId)).catch(unavailable(slotId))) !== revision;

  const handle = async (slotId: string, command: SlotCommand, meta: CommandMeta): Promise<CommandResult> => {
    for (let attempt = 0; ; attempt += 1) {
      const warm = registry.get(slotId) !== undefined;
      // A retry follows a conflict: whatever we knew was wrong, so read the stream.
      const known = !warm && attempt === 0 ? sole.knownState(slotId, meta.receivedAt) : undefined;
      const actor = await activate(slotId, known);
      sole.loaded(slotId);
      let events: TimeslotEvent[];
      try {
        events = decide(actor.state(), command, { now: clock.now(), holdMs, cooldownMs });
      } catch (error) {
        if (warm && (await isBehindLog(slotId, actor.revision, meta.receivedAt))) {
          drop(slotId);
          continue;
        }
        if (actor.state().status === 'unopened') drop(slotId); // never cache unknown ids
        throw error;
      }
      if (events.length === 0) {
        if (warm && (await isBehindLog(slotId, actor.revision, meta.receivedAt))) {
          drop(slotId);
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
        drop(slotId);
        sole.distrust(slotId);
        if (isVersionConflict(error) && attempt < CONFLICT_RETRIES) continue;
        if (isVersionConflict(error)) {
          throw new EngineError('busy', 'this timeslot is changing fast, try again', { cause: error });
        }
        logger?.error({ err: error, slotId }, 'append failed');
        throw new EngineError('log_unavailable', 'the booking log is unavailable, try again', { cause: error });
      }

      actor.apply(events, appended.nextRevision);
      await projector.waitFor(appended.position);
      return { slot: actor.state(), events, position: appended.position };
    }
  };

  const execute = (slotId: string, command: SlotCommand, meta: CommandMeta): Promise<CommandResult> => {
    // Commands run from 'starting' (after replay) so start-up can expire lapsed holds;
    // callers gate on `ready`, which is set only once that is done.
    if (state !== 'ready' && state !== 'starting') {
      const code = state === 'stopping' || state === 'stopped' ? 'shutting_down' : 'not_ready';
      return Promise.reject(new EngineError(code, `the engine is ${state}`));
    }
    if (!isSlotId(slotId)) return Promise.reject(new DomainError('slot_not_found', 'no such timeslot'));
    return mailboxes.run(slotId, () => handle(slotId, command, meta));
  };

  // ---- a stampede on one slot: answered from what is known, not queued ----------------------

  /** The revision at which the slot is taken by someone other than `clientId`, if it is. */
  const takenAt = (slotId: string, clientId: string, now: number): number | undefined => {
    const actor = registry.get(slotId);
    if (actor !== undefined) {
      const s = actor.state();
      const held = s.status === 'reserved' && s.hold !== null && now < s.hold.expiresAt && s.hold.clientId !== clientId;
      return held || s.status === 'booked' ? actor.revision : undefined;
    }
    const slot = models.availability.slots.get(slotId);
    if (slot === undefined) return undefined;
    const held = holdIsLive(slot, now) && slot.hold?.clientId !== clientId;
    return held || slot.status === 'booked' ? slot.revision : undefined;
  };

  const gate = createReserveGate({
    maxWaiting: MAX_WAITING_RESERVES,
    maxWaitingPerSlot: MAX_WAITING_PER_SLOT,
    waitMs: options.reserveWaitMs ?? 5_000,
    // An answer from a view that may be behind another writer is checked against the log,
    // as any refusal is; a slot whose last append is in doubt is not answered from here.
    knownTaken: (slotId, clientId, receivedAt) => {
      if (sole.inDoubt(slotId)) return false;
      const revision = takenAt(slotId, clientId, clock.now());
      if (revision === undefined) return false;
      if (sole.alone(receivedAt)) return true;
      return streamHead(log, streamIdOf(slotId))
        .catch(unavailable(slotId))
        .then((head) => head === revision);
    },
  });

  // ---- hold deadlines: the machine signals, we persist the expiry like any fact ----------

  function expire(slotId: string, holdId: string): void {
    if (state === 'stopping' || state === 'stopped') return;
    execute(slotId, { type: 'expire', holdId }, SYSTEM_EXPIRY).then(
      ({ slot }) => {
        // A timer may fire a hair early against the clock; try again when the deadline is due.
        if (slot.hold?.holdId === holdId) {
          clock.setTimeout(() => expire(slotId, holdId), Math.max(1, slot.hold.expiresAt - clock.now()));
        }
      },
      (error: unknown) => {
        logger?.warn({ err: error, slotId, holdId }, 'expiring a hold failed; will retry');
        clock.setTimeout(() => expire(slotId, holdId), EXPIRE_RETRY_MS);
      },
    );
  }

  // Other processes writing to the same log: a stale actor reloads, and every process
  // arms a timer for every hold (one expiry lands, the others see a conflict and move on).
  const followOthers: CommittedListener = (commit) => {
    for (const event of commit) followOther(event);
  };
  const followOther = (event: RecordedEvent): void => {
    const slotId = slotIdOfStream(event.streamId);
    if (slotId === undefined || !isSlotId(slotId)) return;
    const current = registry.get(slotId);
    if ((current?.revision ?? -1) >= event.revision) return;
    if (current === undefined && event.type !== 'TimeslotReserved') return;
    mailboxes
      .run(slotId, async () => {
        if ((registry.get(slotId)?.revision ?? -1) >= event.revision) return;
        drop(slotId);
        await activate(slotId);
      })
      .catch(() => undefined); // busy: the queued commands will reload on conflict anyway
  };

  const openMany = (inputs: readonly OpenSlotInput[], meta: CommandMeta): Promise<OpenOutcome[]> =>
    openSlots(inputs, {
      availability: models.availability,
      runForStylist: (stylist, task) => mailboxes.run(`stylist:${stylist}`, task),
      execute: (slotId, command) => execute(slotId, command, meta),
    });

  // ---- public API ---------------------------------------------------------------------------

  return {
    models,
    get ready() {
      return state === 'ready';
    },
    /** Set when the log refuses every append until a restart (a failed WAL sync). */
    get logFailure(): Error | undefined {
      return log.failure?.();
    },
    get activeActors() {
      return registry.size;
    },
    get mailboxDepth() {
      return mailboxes.totalDepth;
    },
    onCommitted: projector.onCommitted,
    /** The owner's menu of services (its own stream; see src/catalogue). */
    catalogue,

    /** Replays the log, expires holds that lapsed while we were down, re-arms the rest. */
    start: async (): Promise<void> => {
      if (state !== 'created') throw new Error(`engine cannot start from ${state}`);
      state = 'replaying';
      // Taken before the replay reads anything: a commit from elsewhere during it moves the mark.
      sole.begin();
      await projector.start();
      projector.onCommitted(followOthers);
      state = 'starting';
      const now = clock.now();
      const held = heldSlots(models.availability);
      await Promise.all(
        held.map(async (slot) => {
          const holdId = slot.hold?.holdId ?? '';
          if ((slot.hold?.expiresAt ?? 0) <= now) {
            await execute(slot.slotId, { type: 'expire', holdId }, SYSTEM_EXPIRY).catch((error: unknown) => {
              logger?.warn({ err: error, slotId: slot.slotId }, 'start-up expiry failed; will retry');
              clock.setTimeout(() => expire(slot.slotId, holdId), EXPIRE_RETRY_MS);
            });
          } else {
            await mailboxes.run(slot.slotId, async () => void (await activate(slot.slotId)));
          }
        }),
      );
      state = 'ready';
      logger?.info(
        { log: log.kind, position: models.position, slots: models.availability.slots.size, holds: held.length },
        'engine ready',
      );
    },

    /** Owner: open one slot. Same stylist + start → same slot (idempotent); overlaps are refused. */
    open: async (input: OpenSlotInput, meta: CommandMeta): Promise<CommandResult> => {
      const [outcome] = await openMany([input], meta);
      if (outcome === undefined || !outcome.ok) throw outcome?.error;
      return outcome.result;
    },

    openMany,

    /** Why each of these opens would be refused right now (index → error), writing nothing. */
    precheckOpen: (inputs: readonly OpenSlotInput[]) => precheckOpen(inputs, models.availability, clock.now()),

    reserve: async (slotId: string, clientId: string, meta?: Partial<CommandMeta>): Promise<CommandResult> => {
      if (!isSlotId(slotId)) throw new DomainError('slot_not_found', 'no such timeslot');
      const network = meta?.network;
      // Counted until the hold is in the read model, so concurrent reserves cannot slip past a cap.
      const leave = caps.enter(slotId, clientId, network, clock.now());
      try {
        return await gate.run(slotId, clientId, meta?.receivedAt, () =>
          execute(
            slotId,
            { type: 'reserve', clientId, holdId: ids.holdId(), ...(network !== undefined && { network }) },
            { actor: { kind: 'client', id: clientId }, ...meta },
          ),
        );
      } finally {
        leave();
      }
    },

    book: (slotId: string, clientId: string, customer: unknown, meta?: Partial<CommandMeta>) =>
      execute(
        slotId,
        { type: 'book', clientId, customer, bookingId: ids.bookingId() },
        {
          actor: { kind: 'client', id: clientId },
          ...meta,
        },
      ),

    cancelHold: (slotId: string, clientId: string, meta?: Partial<CommandMeta>) =>
      execute(slotId, { type: 'cancelHold', clientId }, { actor: { kind: 'client', id: clientId }, ...meta }),

    close: (slotId: string, reason: string | undefined, meta: CommandMeta) =>
      execute(slotId, { type: 'close', ...(reason !== undefined && { reason }) }, meta),

    reopen: (slotId: string, meta: CommandMeta) => execute(slotId, { type: 'reopen' }, meta),

    cancelBooking: (
      slotId: string,
      input: { by: 'client' | 'owner'; bookingId?: string; reason?: string },
      meta: CommandMeta,
    ) => execute(slotId, { type: 'cancelBooking', ...input }, meta),

    /** Every event of a slot with who and when, for the owner's audit. */
    history: async (slotId: string) => slotHistory(await openedStream(slotId)),

    /** The slot as it was at `at` (epoch ms), by replay; undefined if not yet opened then. */
    stateAt: async (slotId: string, at: number) => slotStateAt(await openedStream(slotId), at),

    /** Resolves when no command is queued or running (tests, graceful shutdown). */
    whenIdle: () => mailboxes.idle(),

    /** Stops taking commands, finishes the ones in flight, stops timers. Does not close the log. */
    stop: async (): Promise<void> => {
      if (state === 'stopped') return;
      state = 'stopping';
      await mailboxes.idle();
      projector.stop();
      registry.dropAll();
      state = 'stopped';
    },
  };
};
