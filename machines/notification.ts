// The messages a booking is owed and what became of each, as facts in one stream per
// booking (`notifications-<ref>`), decided like a slot: the stream's state and a command
// give the facts to append, at the revision read. Pure: time comes in as `now`.
//
// A message is scheduled once (with its due time and a Message-ID fixed for good), then
// claimed before every attempt — the claim is an append at the stream's revision, so of
// several processes one sends — and ends sent, skipped, withdrawn, failed (a permanent
// refusal) or given up (still failing when the give-up window closed). A claim carries a
// lease: a process killed mid-send leaves a claim that lapses, and the next one retries
// with the same Message-ID, so a mail client folds the duplicate if the first got through.

export const notificationStreamOf = (bookingId: string): string => `notifications-${bookingId}`;
export const isNotificationStream = (streamId: string): boolean => streamId.startsWith('notifications-');
/** `HF-ABCD-EFGH.3` → `HF-ABCD-EFGH`. */
export const bookingOfNotification = (id: string): string => id.slice(0, Math.max(0, id.lastIndexOf('.')));

export type NotificationKind =
  | 'confirmation'
  | 'cancellation'
  | 'reschedule'
  | 'reminder'
  | 'owner_new_booking'
  | 'owner_cancellation';
export type Channel = 'email' | 'sms';

/** What the message says, fixed when it is scheduled: a retry sends the same words. */
export type MessageAbout = {
  startsAt: string;
  endsAt: string;
  stylist: string;
  service?: string;
  customerName: string;
  /** The calendar invite's SEQUENCE (moves so far; +1 once cancelled). */
  sequence: number;
  cancelledBy?: 'client' | 'owner';
  reminderHours?: number;
  /** Reschedules: where it was. */
  previousStartsAt?: string;
};

export type NotificationsPlanned = {
  type: 'NotificationsPlanned';
  /** `cause`: log position of the booking fact planned for — this booking's checkpoint. */
  data: { bookingId: string; cause: number; fact: 'booked' | 'cancelled' | 'moved'; plannedAt: string };
};
export type NotificationScheduled = {
  type: 'NotificationScheduled';
  data: {
    id: string;
    bookingId: string;
    kind: NotificationKind;
    channel: Channel;
    to: string;
    dueAt: string;
    messageId: string;
    about: MessageAbout;
  };
};
export type NotificationClaimed = {
  type: 'NotificationClaimed';
  data: { id: string; attempt: number; claimedAt: string; leaseUntil: string };
};
export type NotificationSent = { type: 'NotificationSent'; data: { id: string; attempt: number; sentAt: string } };
export type NotificationAttemptFailed = {
  type: 'NotificationAttemptFailed';
  data: { id: string; attempt: number; failedAt: string; error: string; retryAt: string };
};
export type NotificationGivenUp = {
  type: 'NotificationGivenUp';
  /** permanent: refused for good (5xx, a refused address) — shown as `failed`; else `given_up`. */
  data: { id: string; at: string; error: string; permanent: boolean };
};
export type NotificationWithdrawn = {
  type: 'NotificationWithdrawn';
  data: { id: string; withdrawnAt: string; reason: string };
};
export type NotificationSkipped = {
  type: 'NotificationSkipped';
  data: { id: string; skippedAt: string; reason: string };
};
export type NotificationResendRequested = {
  type: 'NotificationResendRequested';
  data: { id: string; requestedAt: string };
};

export type NotificationEvent =
  | NotificationsPlanned
  | NotificationScheduled
  | NotificationClaimed
  | NotificationSent
  | NotificationAttemptFailed
  | NotificationGivenUp
  | NotificationWithdrawn
  | NotificationSkipped
  | NotificationResendRequested;

const TYPES: ReadonlySet<string> = new Set<NotificationEvent['type']>([
  'NotificationsPlanned',
  'NotificationScheduled',
  'NotificationClaimed',
  'NotificationSent',
  'NotificationAttemptFailed',
  'NotificationGivenUp',
  'NotificationWithdrawn',
  'NotificationSkipped',
  'NotificationResendRequested',
]);

/** A stored event as a notification fact, or undefined (the one door in). */
export const toNotificationEvent = (stored: { type: string; data: unknown }): NotificationEvent | undefined =>
  TYPES.has(stored.type) ? ({ type: stored.type, data: stored.data } as NotificationEvent) : undefined;

export type NotificationStatus = 'scheduled' | 'sending' | 'sent' | 'failed' | 'given_up' | 'skipped' | 'withdrawn';

export type Notification = NotificationScheduled['data'] & {
  status: NotificationStatus;
  attempts: number;
  /** When the next attempt is due (the first, or a retry). */
  nextAt: number;
  /** Start of the give-up window: the due time, or when a resend was asked for. */
  windowFrom: number;
  leaseUntil?: number;
  sentAt?: string;
  error?: string;
};

export type BookingNotifications = {
  bookingId: string;
  /** Revision of the stream's last event; -1: no stream yet. */
  revision: number;
  /** Position of the last booking fact planned for (-1: none). */
  lastCause: number;
  byId: Map<string, Notification>;
};

export const emptyBookingNotifications = (bookingId: string): BookingNotifications => ({
  bookingId,
  revision: -1,
  lastCause: -1,
  byId: new Map(),
});

const ms = (iso: string): number => Date.parse(iso);

/** Folds one fact into a booking's messages. */
export const evolveNotifications = (state: BookingNotifications, event: NotificationEvent): void => {
  const n = 'id' in event.data ? state.byId.get(event.data.id) : undefined;
  const set = (changes: Partial<Notification>): void => {
    if (n !== undefined) state.byId.set(n.id, { ...n, ...changes });
  };
  switch (event.type) {
    case 'NotificationsPlanned':
      state.lastCause = Math.max(state.lastCause, event.data.cause);
      return;
    case 'NotificationScheduled': {
      const due = ms(event.data.dueAt);
      state.byId.set(event.data.id, { ...event.data, status: 'scheduled', attempts: 0, nextAt: due, windowFrom: due });
      return;
    }
    case 'NotificationClaimed':
      set({ status: 'sending', attempts: event.data.attempt, leaseUntil: ms(event.data.leaseUntil) });
      return;
    case 'NotificationSent':
      set({ status: 'sent', sentAt: event.data.sentAt });
      return;
    case 'NotificationAttemptFailed':
      set({ status: 'scheduled', nextAt: ms(event.data.retryAt), error: event.data.error });
      return;
    case 'NotificationGivenUp':
      set({ status: event.data.permanent ? 'failed' : 'given_up', error: event.data.error });
      return;
    case 'NotificationWithdrawn':
      set({ status: 'withdrawn', error: event.data.reason });
      return;
    case 'NotificationSkipped':
      set({ status: 'skipped', error: event.data.reason });
      return;
    case 'NotificationResendRequested': {
      const at = ms(event.data.requestedAt);
      set({ status: 'scheduled', nextAt: at, windowFrom: at });
      return;
    }
    default: {
      const unknown: never = event;
      throw new Error(`unknown notification event ${JSON.stringify(unknown)}`);
    }
  }
};

/** Whether a message is waiting on nothing but time (its first try, a retry, a lapsed claim). */
export const isPending = (n: Notification): boolean => n.status === 'scheduled' || n.status === 'sending';

/** When the message wants attention next, or undefined if it is settled. */
export const nextActionAt = (n: Notification): number | undefined =>
  n.status === 'scheduled' ? n.nextAt : n.status === 'sending' ? (n.leaseUntil ?? n.nextAt) : undefined;

export type SendPolicy = {
  /** How long a claim keeps other processes off (longer than a whole send may take). */
  leaseMs: number;
  /** After this long failing (from the due time), a message is given up. */
  giveUpMs: number;
};

const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 3_600_000;
/** The wait after the nth failed attempt: 30 s, 1 min, 2 min, … at most an hour. */
export const backoffMs = (attempt: number): number =>
  Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));

/**
 * Before an attempt: the claim to append (then send), or what to record instead — a
 * reminder whose appointment has begun is skipped, and so is a message first due longer ago
 * than the give-up window (a log from before notifications, a notifier down for days).
 * [] when it is not this process's to act on (not due, settled, claimed by a live lease).
 */
export const decideClaim = (
  state: BookingNotifications,
  id: string,
  now: number,
  policy: SendPolicy,
  /** Whether this process has a way to send on the message's channel. */
  transport: boolean,
): NotificationEvent[] => {
  const n = state.byId.get(id);
  const at = new Date(now).toISOString();
  if (n === undefined) return [];
  const actAt = nextActionAt(n);
  if (actAt === undefined || actAt > now) return [];
  if (n.kind === 'reminder' && ms(n.about.startsAt) <= now) {
    return [{ type: 'NotificationSkipped', data: { id, skippedAt: at, reason: 'the appointment had already begun' } }];
  }
  if (n.attempts === 0 && now - n.windowFrom > policy.giveUpMs) {
    return [{ type: 'NotificationSkipped', data: { id, skippedAt: at, reason: 'too late to send: due long ago' } }];
  }
  if (!transport) {
    return [{ type: 'NotificationSkipped', data: { id, skippedAt: at, reason: 'no transport configured' } }];
  }
  return [
    {
      type: 'NotificationClaimed',
      data: { id, attempt: n.attempts + 1, claimedAt: at, leaseUntil: new Date(now + policy.leaseMs).toISOString() },
    },
  ];
};

export type Outcome =
  | { kind: 'sent' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'transient'; error: string }
  | { kind: 'permanent'; error: string };

/** After an attempt this process claimed: what became of it. */
export const decideOutcome = (
  state: BookingNotifications,
  id: string,
  attempt: number,
  outcome: Outcome,
  now: number,
  policy: SendPolicy,
): NotificationEvent[] => {
  const n = state.byId.get(id);
  // Settled meanwhile (another process's lapsed-lease retry): the log already says what happened.
  if (n === undefined || n.status !== 'sending' || n.attempts !== attempt) return [];
  const at = new Date(now).toISOString();
  switch (outcome.kind) {
    case 'sent':
      return [{ type: 'NotificationSent', data: { id, attempt, sentAt: at } }];
    case 'skipped':
      return [{ type: 'NotificationSkipped', data: { id, skippedAt: at, reason: outcome.reason } }];
    case 'permanent':
      return [{ type: 'NotificationGivenUp', data: { id, at, error: outcome.error, permanent: true } }];
    case 'transient': {
      const retryAt = now + backoffMs(attempt);
      if (retryAt - n.windowFrom > policy.giveUpMs) {
        return [{ type: 'NotificationGivenUp', data: { id, at, error: outcome.error, permanent: false } }];
      }
      return [
        {
          type: 'NotificationAttemptFailed',
          data: { id, attempt, failedAt: at, error: outcome.error, retryAt: new Date(retryAt).toISOString() },
        },
      ];
    }
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(unknown)}`);
    }
  }
};

/** The owner's Resend: due again now, with a fresh give-up window. Refused while one is pending. */
export const decideResend = (
  state: BookingNotifications,
  id: string,
  now: number,
):
  | { ok: true; events: NotificationEvent[] }
  | { ok: false; code: 'notification_not_found' | 'notification_pending' } => {
  const n = state.byId.get(id);
  if (n === undefined) return { ok: false, code: 'notification_not_found' };
  if (isPending(n)) return { ok: false, code: 'notification_pending' };
  return {
    ok: true,
    events: [{ type: 'NotificationResendRequested', data: { id, requestedAt: new Date(now).toISOString() } }],
  };
};
