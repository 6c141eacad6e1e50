import type { BookingNotifications, Notification } from '../machines/index.js';

// The owner's list of messages: what each booking was sent, and the failures. Read from the
// notifier's fold of the notification streams (one per booking).

export type NotificationView = {
  id: string;
  booking: string;
  kind: Notification['kind'];
  channel: Notification['channel'];
  to: string;
  status: 'scheduled' | 'sent' | 'failed' | 'given_up' | 'skipped' | 'withdrawn';
  attempts: number;
  due_at: string;
  sent_at?: string;
  error?: string;
};

export const notificationView = (n: Notification): NotificationView => ({
  id: n.id,
  booking: n.bookingId,
  kind: n.kind,
  channel: n.channel,
  to: n.to,
  // A send under way is still owed, as far as the owner is concerned.
  status: n.status === 'sending' ? 'scheduled' : n.status,
  attempts: n.attempts,
  due_at: n.dueAt,
  ...(n.sentAt !== undefined && { sent_at: n.sentAt }),
  ...(n.error !== undefined && { error: n.error }),
});

export type NotificationFilter = { booking?: string; status?: NotificationView['status'] };

/** `status: 'failed'` means every failure: refused for good, or given up after retrying. */
export const listNotifications = (
  byBooking: ReadonlyMap<string, BookingNotifications>,
  filter: NotificationFilter,
): NotificationView[] => {
  const states =
    filter.booking !== undefined ? [byBooking.get(filter.booking)].filter((s) => s !== undefined) : byBooking.values();
  const out: NotificationView[] = [];
  for (const state of states) {
    for (const n of state.byId.values()) {
      const view = notificationView(n);
      const wanted =
        filter.status === undefined ||
        view.status === filter.status ||
        (filter.status === 'failed' && view.status === 'given_up');
      if (wanted) out.push(view);
    }
  }
  return out.sort((a, b) => a.due_at.localeCompare(b.due_at) || a.id.localeCompare(b.id));
};
