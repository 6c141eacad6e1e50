import type { Customer } from './events.js';
import {
  type BookingNotifications,
  type Channel,
  isPending,
  type MessageAbout,
  type NotificationEvent,
  type NotificationKind,
} from './notification.js';

// What a booking fact makes owed: a pure function of the booking as that fact left it, the
// messages already in its stream, and the configuration. The notifier appends what this
// returns, with a NotificationsPlanned naming the fact's log position, in one write at the
// stream's revision: planning a fact twice (a restart, a second process) is refused by the
// log, and a fact already planned is seen to be so.

/** The booking as of the fact being planned for (a copy of the owner's booking record). */
export type BookingAsOf = {
  bookingId: string;
  startsAt: number;
  endsAt: number;
  stylist: string;
  service?: { name: string };
  customer: Customer;
  moves: number;
  status: 'confirmed' | 'cancelled';
  cancelledBy?: 'client' | 'owner';
  previousStartsAt?: number;
};

export type BookingFact = { fact: 'booked' | 'cancelled' | 'moved'; at: number; cause: number };

export type PlanConfig = {
  /** Hours before the start; [] for none. */
  reminderHours: readonly number[];
  ownerEmail?: string | undefined;
  /** The domain of every Message-ID (`<id@domain>`). */
  messageIdDomain: string;
};

const iso = (t: number): string => new Date(t).toISOString();

/** The client's channels: email if an address was given, SMS if a phone; both if both. */
const clientChannels = (customer: Customer): Array<{ channel: Channel; to: string }> => [
  ...(customer.email ? [{ channel: 'email' as const, to: customer.email }] : []),
  ...(customer.phone ? [{ channel: 'sms' as const, to: customer.phone }] : []),
];

export const planNotifications = (
  state: BookingNotifications,
  booking: BookingAsOf,
  fact: BookingFact,
  config: PlanConfig,
  now: number,
): NotificationEvent[] => {
  if (fact.cause <= state.lastCause) return []; // planned already
  const events: NotificationEvent[] = [
    {
      type: 'NotificationsPlanned',
      data: { bookingId: booking.bookingId, cause: fact.cause, fact: fact.fact, plannedAt: iso(now) },
    },
  ];
  // An appointment already over when the notifier first sees the fact (a log older than
  // notifications): nothing is worth saying about it any more; the mark alone is written.
  if (booking.endsAt <= now) return events;
  let count = state.byId.size;
  const about: MessageAbout = {
    startsAt: iso(booking.startsAt),
    endsAt: iso(booking.endsAt),
    stylist: booking.stylist,
    ...(booking.service !== undefined && { service: booking.service.name }),
    customerName: booking.customer.name,
    sequence: booking.moves + (booking.status === 'cancelled' ? 1 : 0),
    ...(booking.cancelledBy !== undefined && { cancelledBy: booking.cancelledBy }),
    ...(booking.previousStartsAt !== undefined && { previousStartsAt: iso(booking.previousStartsAt) }),
  };
  const schedule = (kind: NotificationKind, channel: Channel, to: string, dueAt: number, extra = {}): void => {
    count += 1;
    const id = `${booking.bookingId}.${count}`;
    events.push({
      type: 'NotificationScheduled',
      data: {
        id,
        bookingId: booking.bookingId,
        kind,
        channel,
        to,
        dueAt: iso(dueAt),
        messageId: `<${id}@${config.messageIdDomain}>`,
        about: { ...about, ...extra },
      },
    });
  };
  const toClient = (kind: NotificationKind): void => {
    for (const { channel, to } of clientChannels(booking.customer)) schedule(kind, channel, to, fact.at);
  };
  // A reminder whose time had passed when the booking was made (or moved) is not owed at all.
  const reminders = (): void => {
    for (const hours of config.reminderHours) {
      const dueAt = booking.startsAt - hours * 3_600_000;
      if (dueAt <= fact.at) continue;
      for (const { channel, to } of clientChannels(booking.customer)) {
        schedule('reminder', channel, to, dueAt, { reminderHours: hours });
      }
    }
  };
  const withdrawReminders = (reason: string): void => {
    for (const n of state.byId.values()) {
      if (n.kind === 'reminder' && isPending(n)) {
        events.push({ type: 'NotificationWithdrawn', data: { id: n.id, withdrawnAt: iso(fact.at), reason } });
      }
    }
  };

  switch (fact.fact) {
    case 'booked':
      toClient('confirmation');
      if (config.ownerEmail) schedule('owner_new_booking', 'email', config.ownerEmail, fact.at);
      reminders();
      break;
    case 'cancelled':
      withdrawReminders('the booking was cancelled');
      toClient('cancellation');
      // The salon hears of a client's cancellation; one it made itself it knows of.
      if (config.ownerEmail && booking.cancelledBy !== 'owner') {
        schedule('owner_cancellation', 'email', config.ownerEmail, fact.at);
      }
      break;
    case 'moved':
      withdrawReminders('the booking moved to another time');
      toClient('reschedule');
      reminders();
      break;
    default: {
      const unknown: never = fact.fact;
      throw new Error(`unknown booking fact ${String(unknown)}`);
    }
  }
  return events;
};
