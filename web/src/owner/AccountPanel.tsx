import { type FormEvent, useState } from 'react';
import { type ApiFailure, api } from '../shared/api.ts';
import { longDateTime } from '../shared/time.ts';
import { Notice, type NoticeText, PASSWORD_HINT } from './Notice.tsx';
import type { Me } from './ownerApi.ts';
import { TextField } from './TextField.tsx';

// The signed-in person's own account: who they are here, and changing their password (which
// signs out every other session of theirs; this one stays).

export const AccountPanel = ({ me, zone, onUnauthorised }: { me: Me; zone: string; onUnauthorised: () => void }) => {
  const { account, session } = me;
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [notice, setNotice] = useState<NoticeText>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setNotice(undefined);
    setBusy(true);
    try {
      const reply = await api<{ message: string }>('POST', '/api/auth/password', {
        current_password: current,
        new_password: next,
      });
      setCurrent('');
      setNext('');
      setNotice({ kind: 'ok', text: reply.message });
    } catch (failure) {
      const { code, message, retryAfter } = failure as ApiFailure;
      if (code === 'not_signed_in') onUnauthorised();
      else
        setNotice({
          kind: 'error',
          text:
            code === 'invalid_credentials'
              ? 'That is not your current password.'
              : code === 'too_many_attempts'
                ? `Too many wrong passwords. Wait ${retryAfter ?? 60} seconds and try again.`
                : message,
        });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="layout">
      <section className="panel" aria-labelledby="account-heading">
        <h2 id="account-heading">Your account</h2>
        <dl className="facts">
          <dt>Name</dt>
          <dd>{account.name}</dd>
          <dt>Email</dt>
          <dd>{account.email}</dd>
          <dt>Role</dt>
          <dd>{account.role === 'stylist' ? `stylist (column ${account.stylist ?? '—'})` : account.role}</dd>
          <dt>Signed in until</dt>
          <dd>{longDateTime(session.expires_at, zone)}</dd>
        </dl>
      </section>
      <section className="panel" aria-labelledby="password-heading">
        <h2 id="password-heading">Change password</h2>
        <form onSubmit={(e) => void submit(e)}>
          <input type="email" autoComplete="username" value={account.email} readOnly hidden />
          <TextField
            id="current-password"
            label="Current password"
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={setCurrent}
          />
          <TextField
            id="new-password"
            label="New password"
            type="password"
            autoComplete="new-password"
            required
            value={next}
            onChange={setNext}
            hint={`${PASSWORD_HINT} Your other sessions are signed out; this one stays.`}
          />
          <Notice notice={notice} />
          <div className="actions">
            <button type="submit" className="btn primary" disabled={busy}>
              Change password
            </button>
          </div>
        </form>
      </section>
    </div>
  );
};
