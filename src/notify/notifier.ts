import type { Logger } from 'pino';
import {
  type Actor,
  type BookingAsOf,
  type BookingFact,
  type BookingNotifications,
  bookingOfNotification,
  commitEndOf,
  decideClaim,
  decideOutcome,
  decideResend,
  EVENT_SCHEMA_VERSION,
  emptyBookingNotifications,
  evolveNotifications,
  isNotificationStream,
  type NotificationEvent,
  nextActionAt,
  notificationStreamOf,
  type PlanConfig,
  planNotifications,
  type RecordedEvent,
  type SendPolicy,
  slotIdOfStream,
  toDomainEvent,
  toNotificationEvent,
} from '../../machines/index.js';
import {
  applyToBookings,
  type BookingRecord,
  createBookings,
  listNotifications,
  type NotificationFilter,
  type NotificationView,
  notificationView,
} from '../../projections/index.js';
import type { Clock } from '../clock.js';
import { type EventLog, expectedFor, isVersionConflict, type Subscription } from '../eventlog/port.js';
import type { Deliver } from './deliver.js';
import { type MessageContext, renderMessage } from './templates.js';

// The notifier: a consumer of the log, not a listener. It follows the whole log from the
// start (as the projector does) folding the bookings and every notification stream, and
// sends nothing while it catches up. Its checkpoint is in the log itself: each booking's
// stream records, with NotificationsPlanned, the position of the last booking fact it
// planned for, in the same write as what it decided. So after a crash it knows exactly
// which facts are planned and which messages are settled; everything else it does again.
//
// Once caught up it plans the facts not yet planned, and sends what is due: claim (an
// append at the stream's revision, so of several processes one sends), send, record the
// outcome. A booking's request never waits for any of it.

export type NotifierOptions = {
  log: EventLog;
  clock: Clock;
  plan: PlanConfig;
  policy: SendPolicy;
  deliver: { email?: Deliver | undefined; sms?: Deliver | undefined };
  message: MessageContext;
  logger?: Logger | undefined;
};

export type Notifier = ReturnType<typeof createNotifier>;

/** Looks again at least this often, for claims other processes let lapse. */
const RESCAN_MS = 60_000;
const RETRY_AFTER_LOG_ERROR_MS = 5_000;
const CONFLICT_RETRIES = 5;
const metadata = { schemaVersion: EVENT_SCHEMA_VERSION, actor: { kind: 'system', reason: 'notifier' } };

const asOf = (b: BookingRecord, previousStartsAt?: number): BookingAsOf => ({
  bookingId: b.bookingId,
  startsAt: b.startsAt,
  endsAt: b.endsAt,
  stylist: b.stylist,
  ...(b.service !== undefined && { service: { name: b.service.name } }),
  customer: b.customer,
  moves: b.moves,
  status: b.status,
  ...(b.cancelledBy !== undefined && { cancelledBy: b.cancelledBy }),
  ...(previousStartsAt !== undefined && { previousStartsAt }),
});

export const createNotifier = (options: NotifierOptions) => {
  const { log, clock, logger } = options;
  const bookings = createBookings();
  const byBooking = new Map<string, BookingNotifications>();
  /** Booking facts seen but not yet planned, by booking, in log order. */
  const unplanned = new Map<string, Array<{ booking: BookingAsOf; fact: BookingFact }>>();
  let partial: RecordedEvent[] = [];
  let subscription: Subscription | undefined;
  let live = false;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: unknown;

  const foldSlotEvent = (event: RecordedEvent, slotId: string): void => {
    const domain = toDomainEvent(event);
    if (domain === undefined) return;
    const fact =
      domain.type === 'TimeslotBooked'
        ? 'booked'
        : domain.type === 'BookingCancelled'
          ? 'cancelled'
          : domain.type === 'BookingMovedIn'
            ? 'moved'
            : undefined;
    const bookingId = fact === undefined ? undefined : (domain.data as { bookingId: string }).bookingId;
    const before = bookingId === undefined ? undefined : bookings.byId.get(bookingId);
    applyToBookings(bookings, slotId, domain);
    if (fact === undefined || bookingId === undefined) return;
    const cause = commitEndOf(event);
    const queue = unplanned.get(bookingId) ?? [];
    // One fact per booking per commit (an appointment's slots all say it).
    if (queue.at(-1)?.fact.cause === cause || cause <= (byBooking.get(bookingId)?.lastCause ?? -1)) return;
    const after = bookings.byId.get(bookingId);
    if (after === undefined) return;
    const at = Date.parse(
      domain.type === 'TimeslotBooked'
        ? domain.data.bookedAt
        : domain.type === 'BookingCancelled'
          ? domain.data.cancelledAt
          : (domain.data as { movedAt: string }).movedAt,
    );
    const previous = fact === 'moved' ? before?.startsAt : undefined;
    unplanned.set(bookingId, [...queue, { booking: asOf(after, previous), fact: { fact, at, cause } }]);
  };

  const foldNotificationEvent = (event: RecordedEvent): void => {
    const fact = toNotificationEvent(event);
    if (fact === undefined) return;
    const bookingId = event.streamId.slice('notifications-'.length);
    const state = byBooking.get(bookingId) ?? emptyBookingNotifications(bookingId);
    byBooking.set(bookingId, state);
    state.revision = event.revision;
    evolveNotifications(state, fact);
    if (fact.type === 'NotificationsPlanned') {
      const rest = (unplanned.get(bookingId) ?? []).filter((u) => u.fact.cause > state.lastCause);
      if (rest.length === 0) unplanned.delete(bookingId);
      else unplanned.set(bookingId, rest);
    }
  };

  const onEvent = (event: RecordedEvent): void => {
    if (commitEndOf(event) > event.position) {
      partial.push(event);
      return;
    }
    const commit = partial.length === 0 ? [event] : [...partial, event];
    partial = [];
    for (const e of commit) {
      const slotId = slotIdOfStream(e.streamId);
      if (slotId !== undefined) foldSlotEvent(e, slotId);
      else if (isNotificationStream(e.streamId)) foldNotificationEvent(e);
    }
    if (live) kick();
  };

  /** The stream as the log has it now (not as this process last folded it). */
  const readState = async (bookingId: string): Promise<BookingNotifications> => {
    const state = emptyBookingNotifications(bookingId);
    for (const stored of await log.readStream(notificationStreamOf(bookingId))) {
      const fact = toNotificationEvent(stored);
      state.revision = stored.revision;
      if (fact !== undefined) evolveNotifications(state, fact);
    }
    return state;
  };

  /** Decides on the stream as it is and appends at its revision; decides again after a conflict. */
  const decideAndAppend = async (
    bookingId: string,
    decide: (state: BookingNotifications) => NotificationEvent[],
    actor?: Actor,
  ): Promise<{ state: BookingNotifications; events: NotificationEvent[] }> => {
    const meta = actor === undefined ? metadata : { ...metadata, actor };
    for (let attempt = 0; ; attempt += 1) {
      const state = await readState(bookingId);
      const events = decide(state);
      if (events.length === 0) return { state, events };
      try {
        await log.append(
          notificationStreamOf(bookingId),
          events.map((e) => ({ type: e.type, data: e.data, metadata: meta })),
          expectedFor(state.revision),
        );
        for (const e of events) evolveNotifications(state, e);
        return { state, events };
      } catch (error) {
        if (!isVersionConflict(error) || attempt >= CONFLICT_RETRIES) throw error;
      }
    }
  };

  const planAll = async (): Promise<void> => {
    for (const [bookingId, queue] of [...unplanned]) {
      for (const { booking, fact } of queue) {
        await decideAndAppend(bookingId, (state) => planNotifications(state, booking, fact, options.plan, clock.now()));
      }
      if (unplanned.get(bookingId) === queue) unplanned.delete(bookingId);
    }
  };

  const attempt = async (bookingId: string, id: string): Promise<void> => {
    const transportFor = (state: BookingNotifications): boolean => {
      const channel = state.byId.get(id)?.channel;
      return channel !== undefined && options.deliver[channel] !== undefined;
    };
    let claimed: Awaited<ReturnType<typeof decideAndAppend>>;
    try {
      claimed = await decideAndAppend(bookingId, (state) =>
        decideClaim(state, id, clock.now(), options.policy, transportFor(state)),
      );
    } catch (error) {
      if (isVersionConflict(error)) return; // others are busy on this booking: look again later
      throw error;
    }
    const claim = claimed.events[0];
    const n = claimed.state.byId.get(id);
    if (claim?.type !== 'NotificationClaimed' || n === undefined) return;
    const deliver = options.deliver[n.channel];
    if (deliver === undefined) return;
    const outcome = await deliver(n, renderMessage(n, options.message));
    if (outcome.kind !== 'sent') logger?.warn({ notification: id, outcome }, 'a message was not sent');
    await decideAndAppend(bookingId, (state) =>
      decideOutcome(state, id, claim.data.attempt, outcome, clock.now(), options.policy),
    );
  };

  const schedule = (delay: number): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = stopped ? undefined : clock.setTimeout(kick, Math.max(0, Math.min(delay, RESCAN_MS)));
  };

  const pump = async (): Promise<void> => {
    try {
      await planAll();
      const now = clock.now();
      const due: Array<{ at: number; bookingId: string; id: string }> = [];
      let next = Number.POSITIVE_INFINITY;
      for (const state of byBooking.values()) {
        for (const n of state.byId.values()) {
          const at = nextActionAt(n);
          if (at === undefined) continue;
          if (at <= now) due.push({ at, bookingId: n.bookingId, id: n.id });
          else next = Math.min(next, at);
        }
      }
      due.sort((a, b) => a.at - b.at);
      for (const d of due) {
        if (stopped) return;
        await attempt(d.bookingId, d.id);
      }
      schedule(next - clock.now());
    } catch (error) {
      logger?.error({ err: error }, 'the notifier could not read or write the log; trying again shortly');
      schedule(RETRY_AFTER_LOG_ERROR_MS);
    }
  };

  function kick(): void {
    if (stopped || !live) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    again = false;
    running = pump().finally(() => {
      running = undefined;
      // A commit may land between the pump's end and this line (the log delivers in microtasks).
      if (again) kick();
    });
  }

  const follow = (): Subscription =>
    log.subscribe({
      fromPosition: 0,
      onEvent,
      onError: (error) => {
        logger?.error({ err: error }, 'the notifier lost the log; following it again');
        subscription?.close();
        // Start over: the fold is rebuilt from nothing, so nothing is folded twice.
        partial = [];
        bookings.byId.clear();
        bookings.byDay.clear();
        bookings.slotInfo.clear();
        byBooking.clear();
        unplanned.clear();
        live = false;
        if (!stopped) setTimeout(() => void start(), RETRY_AFTER_LOG_ERROR_MS).unref();
      },
    });

  async function start(): Promise<void> {
    subscription = follow();
    await subscription.caughtUp;
    live = true;
    kick();
  }

  return {
    /** Catches up with the log (sending nothing), then plans and sends what is owed. */
    start,
    list: (filter: NotificationFilter): NotificationView[] => listNotifications(byBooking, filter),
    /** The owner's Resend, on behalf of `actor` (the audit's who). */
    resend: async (
      id: string,
      actor?: Actor,
    ): Promise<{ ok: true; view: NotificationView } | { ok: false; code: string }> => {
      const bookingId = bookingOfNotification(id);
      let refused: string | undefined;
      const { state } = await decideAndAppend(
        bookingId,
        (s) => {
          const decision = decideResend(s, id, clock.now());
          if (!decision.ok) refused = decision.code;
          return decision.ok ? decision.events : [];
        },
        actor,
      );
      const n = state.byId.get(id);
      if (refused !== undefined || n === undefined) return { ok: false, code: refused ?? 'notification_not_found' };
      kick();
      return { ok: true, view: notificationView(n) };
    },
    /** Resolves once nothing is being planned or sent (tests). */
    idle: async (): Promise<void> => {
      while (running !== undefined) await running;
    },
    stop: async (): Promise<void> => {
      stopped = true;
      subscription?.close();
      if (timer !== undefined) clock.clearTimeout(timer);
      while (running !== undefined) await running;
    },
  };
};
