import { useCallback, useEffect, useState } from 'react';
import type { ApiFailure } from '../shared/api.ts';
import { longDateTime } from '../shared/time.ts';
import { type OwnerNotification, ownerApi } from './ownerApi.ts';

// What became of the messages the salon owes: one booking's (in a slot's detail), or every
// failure (the Messages tab). A failed, given-up or skipped message can be sent again.

const KIND: Record<string, string> = {
  confirmation: 'Confirmation',
  cancellation: 'Cancellation',
  reschedule: 'Moved',
  reminder: 'Reminder',
  owner_new_booking: 'To the salon: new booking',
  owner_cancellation: 'To the salon: cancellation',
};
const STATUS: Record<OwnerNotification['status'], string> = {
  scheduled: 'scheduled',
  sent: 'sent',
  failed: 'failed',
  given_up: 'given up',
  skipped: 'skipped',
  withdrawn: 'withdrawn',
};
const resendable = (n: OwnerNotification): boolean =>
  n.status === 'failed' || n.status === 'given_up' || n.status === 'skipped';

export const Messages = ({
  zone,
  query,
  title,
  onUnauthorised,
}: {
  zone: string;
  /** `booking=<ref>` or `status=failed`. */
  query: string;
  title: string;
  onUnauthorised: () => void;
}) => {
  const [messages, setMessages] = useState<OwnerNotification[]>();
  const [notice, setNotice] = useState<string>();
  const failed = useCallback(
    (failure: unknown): void => {
      const { status, message } = failure as ApiFailure;
      if (status === 401) onUnauthorised();
      else setNotice(message);
    },
    [onUnauthorised],
  );
  const load = useCallback((): void => {
    ownerApi<OwnerNotification[]>('GET', `/api/admin/notifications?${query}`).then(setMessages, failed);
  }, [query, failed]);
  useEffect(load, [load]);

  const resend = async (n: OwnerNotification): Promise<void> => {
    try {
      await ownerApi('POST', `/api/admin/notifications/${encodeURIComponent(n.id)}/resend`);
      setNotice(`${KIND[n.kind] ?? n.kind} to ${n.to}: sending again.`);
      load();
    } catch (failure) {
      failed(failure);
    }
  };

  return (
    <div data-testid="messages">
      <h3>{title}</h3>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {messages === undefined ? (
        <p className="empty">Loading…</p>
      ) : messages.length === 0 ? (
        <p className="empty">None.</p>
      ) : (
        <ul className="messages">
          {messages.map((n) => (
            <li key={n.id} data-status={n.status}>
              <strong>{KIND[n.kind] ?? n.kind}</strong> · {n.channel} to {n.to}{' '}
              <span className="status">{STATUS[n.status]}</span>
              {query.startsWith('status=') && <> · booking {n.booking}</>}
              <div className="when">
                {n.sent_at ? `sent ${longDateTime(n.sent_at, zone)}` : `due ${longDateTime(n.due_at, zone)}`}
                {n.attempts > 0 && ` · ${n.attempts} attempt${n.attempts === 1 ? '' : 's'}`}
                {n.error && ` · ${n.error}`}
              </div>
              {resendable(n) && (
                <button type="button" className="btn quiet" onClick={() => void resend(n)}>
                  Send again
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
};
