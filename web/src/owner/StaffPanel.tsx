import { useCallback, useEffect, useState } from 'react';
import type { ApiFailure, Salon } from '../shared/api.ts';
import { InviteForm, IssuedLink, PendingInvites } from './Invites.tsx';
import { Notice, type NoticeText } from './Notice.tsx';
import { type Account, ownerApi, type StaffSession } from './ownerApi.ts';
import { AccountList } from './StaffAccounts.tsx';
import { StaffHistory } from './StaffHistory.tsx';
import { SessionList } from './StaffSessions.tsx';
import type { Act, AuditEvent, Issued, Staff } from './staff.ts';

// The owner's Staff tab: who has an account (StaffAccounts), invites not yet used and the
// form to invite someone (Invites), the sessions signed in now (StaffSessions) and what
// changed lately (StaffHistory). This part loads the lists and runs every change, so one
// notice says how the last one went, and every list is reloaded after it: one change shows
// in several (a deactivation ends sessions, and every change is in the history).

export const StaffPanel = ({
  salon,
  me,
  onSignedOut,
}: {
  salon: Salon;
  me: Account;
  /** This browser's own session was signed out from here. */
  onSignedOut: () => void;
}) => {
  const zone = salon.time_zone;
  const [staff, setStaff] = useState<Staff>();
  const [sessions, setSessions] = useState<StaffSession[]>();
  const [events, setEvents] = useState<AuditEvent[]>();
  const [notice, setNotice] = useState<NoticeText>();
  const [issued, setIssued] = useState<Issued>();

  const failed = useCallback((failure: unknown): void => {
    setNotice({ kind: 'error', text: (failure as ApiFailure).message });
  }, []);
  const load = useCallback((): void => {
    ownerApi<Staff>('GET', '/api/admin/staff').then(setStaff, failed);
    ownerApi<{ sessions: StaffSession[] }>('GET', '/api/admin/sessions').then((r) => setSessions(r.sessions), failed);
    ownerApi<{ events: AuditEvent[] }>('GET', '/api/admin/staff/history').then((r) => setEvents(r.events), failed);
  }, [failed]);
  useEffect(load, [load]);

  const act: Act = async (what, done) => {
    setNotice(undefined);
    try {
      await what();
      if (done) setNotice({ kind: 'ok', text: done });
      load();
      return true;
    } catch (failure) {
      failed(failure);
      return false;
    }
  };

  return (
    <div className="layout">
      <section className="panel" aria-labelledby="staff-heading">
        <h2 id="staff-heading">Staff</h2>
        <Notice notice={notice} />
        {staff === undefined ? (
          <p className="empty">Loading…</p>
        ) : (
          <AccountList accounts={staff.accounts} me={me} stylists={salon.stylists} act={act} onIssued={setIssued} />
        )}

        <h3>Invites not yet used</h3>
        {staff && <PendingInvites invites={staff.invites} zone={zone} act={act} />}

        <h3>Signed in now</h3>
        {sessions === undefined ? (
          <p className="empty">Loading…</p>
        ) : (
          <SessionList sessions={sessions} zone={zone} act={act} onSignedOut={onSignedOut} />
        )}

        <h3>Recent changes</h3>
        {events && <StaffHistory events={events} accounts={staff?.accounts ?? []} zone={zone} />}
      </section>
      <aside>
        {issued && <IssuedLink issued={issued} zone={zone} onDone={() => setIssued(undefined)} />}
        <InviteForm
          stylists={salon.stylists}
          onInvited={(reply) => {
            setIssued(reply);
            setNotice(undefined);
            load();
          }}
        />
      </aside>
    </div>
  );
};
