import type { Logger } from 'pino';
import {
  type Actor,
  DomainError,
  decideForAppointment,
  decideReschedule,
  decideReserveRun,
  isSlotId,
  type ReserveRun,
  type SlotCommand,
  type SlotState,
  streamIdOf,
  type TimeslotEvent,
  timeslotMachineFor,
} from '../../machines/index.js';
import { createReadModels, heldSlots, type ReadModels, slotHistory, slotStateAt } from '../../projections/index.js';
import { type AccountsSettings, createAccounts } from '../accounts/accounts.js';
import { createCatalogue } from '../catalogue/catalogue.js';
import type { Clock } from '../clock.js';
import { type EventLog, streamHead } from '../eventlog/port.js';
import { createCommandCycle } from './command-cycle.js';
import { createDeadlines } from './deadlines.js';
import { EngineError } from './errors.js';
import { followOthers } from './follow-others.js';
import { createHoldCaps } from './hold-caps.js';
import { type IdSource, randomIds } from './ids.js';
import { createMailboxes } from './mailbox.js';
import { type OpenSlotInput, openSlots, precheckOpen, type OpenOutcome as SlotOpenOutcome } from './open-slots.js';
import { createProjector } from './projector.js';
import { createActorRegistry } from './registry.js';
import { createReserveGate, knownTakenFrom } from './reserve-gate.js';
import { createSlotSets } from './slot-sets.js';
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
  /** Staff session and link lifetimes (defaults in src/accounts). */
  accounts?: AccountsSettings;
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
  /** The slot the command was given on, after it (write model). */
  slot: SlotState;
  /** Every slot the command covered (the whole appointment), after it. */
  slots: ReadonlyMap<string, SlotState>;
  /** What was appended, every slot's (empty for an idempotent repeat). */
  events: TimeslotEvent[];
  /** Log position of the last event appended; absent when nothing was. */
  position?: number;
};

export type { OpenSlotInput };
export type OpenOutcome = SlotOpenOutcome<CommandResult>;

export type Engine = ReturnType<typeof createEngine>;

/** Reserves waiting, across all slots and per slot, for another client's reserve of the same slot. */
const MAX_WAITING_RESERVES = 10_000;
const MAX_WAITING_PER_SLOT = 2_000;

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
    onDeadline: (slotId, holdId) => deadlines.expire(slotId, holdId),
    isBusy: (slotId) => mailboxes.depthOf(slotId) > 0,
  });
  const { activate } = registry;

  const sole = createSoleWriter(log, models.availability);
  const catalogue = createCatalogue({ log, clock, waitFor: projector.waitFor, logger });
  const accounts = createAccounts({
    log,
    clock,
    state: () => models.accounts,
    waitFor: projector.waitFor,
    logger,
    ...(options.accounts !== undefined && { settings: options.accounts }),
  });

  const handle = createCommandCycle({
    log,
    clock,
    holdMs,
    cooldownMs,
    registry,
    sole,
    waitFor: projector.waitFor,
    unavailable,
    logger,
  });

  const refuseUnlessRunning = (): void => {
    // Commands run from 'starting' (after replay) so start-up can expire lapsed holds;
    // callers gate on `ready`, which is set only once that is done.
    if (state !== 'ready' && state !== 'starting') {
      const code = state === 'stopping' || state === 'stopped' ? 'shutting_down' : 'not_ready';
      throw new EngineError(code, `the engine is ${state}`);
    }
  };

  const { executeOver, coveredGuess, reserveGuess } = createSlotSets({
    availability: models.availability,
    mailboxes,
    handle,
    refuseUnlessRunning,
  });

  /** A command on one slot, for the whole appointment its hold or booking is part of. */
  const execute = (slotId: string, command: SlotCommand, meta: CommandMeta): Promise<CommandResult> => {
    if (!isSlotId(slotId)) return Promise.reject(new DomainError('slot_not_found', 'no such timeslot'));
    return executeOver(
      slotId,
      coveredGuess(slotId),
      (states, ctx) => decideForAppointment(states, slotId, command, ctx),
      meta,
    );
  };

  // A stampede on one slot: answered from what is known, not queued (see reserve-gate.ts).
  const gate = createReserveGate({
    maxWaiting: MAX_WAITING_RESERVES,
    maxWaitingPerSlot: MAX_WAITING_PER_SLOT,
    waitMs: options.reserveWaitMs ?? 5_000,
    knownTaken: knownTakenFrom({
      registry,
      availability: models.availability,
      sole,
      clock,
      head: (slotId) => streamHead(log, streamIdOf(slotId)).catch(unavailable(slotId)),
    }),
  });

  const deadlines = createDeadlines({
    clock,
    execute,
    arm: (slotId) => mailboxes.run(slotId, async () => void (await activate(slotId))),
    stopping: () => state === 'stopping' || state === 'stopped',
    logger,
  });

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
    /** Set while the log's server cannot be reached (it clears itself once it can). */
    get logOutage(): Error | undefined {
      return log.outage?.();
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
    /** Staff accounts, links and console sessions (their own stream; see src/accounts). */
    accounts,

    /** Replays the log, expires holds that lapsed while we were down, re-arms the rest. */
    start: async (): Promise<void> => {
      if (state !== 'created') throw new Error(`engine cannot start from ${state}`);
      state = 'replaying';
      // Taken before the replay reads anything: a commit from elsewhere during it moves the mark.
      sole.begin();
      await projector.start();
      projector.onCommitted(followOthers(registry, mailboxes));
      state = 'starting';
      const held = heldSlots(models.availability);
      await deadlines.settle(held);
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

    /**
     * Holds `slotId` for the client, or with `run` (a service) the whole run of slots from it:
     * every slot or none, under one hold id and one deadline.
     */
    reserve: async (
      slotId: string,
      clientId: string,
      meta?: Partial<CommandMeta>,
      run?: Pick<ReserveRun, 'slotIds' | 'service'>,
    ): Promise<CommandResult> => {
      if (!isSlotId(slotId)) throw new DomainError('slot_not_found', 'no such timeslot');
      const network = meta?.network;
      const slotIds = run?.slotIds ?? [slotId];
      const command: ReserveRun = {
        clientId,
        holdId: ids.holdId(),
        slotIds,
        ...(network !== undefined && { network }),
        ...(run?.service !== undefined && { service: run.service }),
      };
      // Counted until the hold is in the read model, so concurrent reserves cannot slip past a cap.
      const leave = caps.enter(slotId, clientId, network, clock.now());
      try {
        return await gate.run(slotId, clientId, meta?.receivedAt, () =>
          executeOver(slotId, reserveGuess(slotIds), (states, ctx) => decideReserveRun(states, command, ctx), {
            actor: { kind: 'client', id: clientId },
            ...meta,
          }),
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

    /**
     * Moves a booking to the run `to` (its new slots, in time order) in one write: the new
     * slots booked and the old ones freed together, or nothing changes.
     */
    reschedule: (
      bookingId: string,
      to: readonly string[],
      input: { by: 'client' | 'owner' },
      meta: CommandMeta,
    ): Promise<CommandResult> => {
      const booking = models.bookings.byId.get(bookingId);
      if (booking === undefined || booking.status !== 'confirmed') {
        return Promise.reject(new DomainError('not_booked', 'there is no such booking'));
      }
      if (!to.every(isSlotId)) return Promise.reject(new DomainError('slot_not_found', 'no such timeslot'));
      const target = booking.slotId;
      return executeOver(
        target,
        [...new Set([...booking.slotIds, ...reserveGuess(to)])],
        (states, ctx) => decideReschedule(states, { bookingId, by: input.by, slotId: target, to }, ctx),
        meta,
      );
    },

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
