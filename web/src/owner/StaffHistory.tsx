import { longDateTime } from '../shared/time.ts';
import type { Account } from './ownerApi.ts';
import { whoText } from './SlotDetail.tsx';
import type { AuditEvent } from './staff.ts';

// What changed lately on the staff side, newest first: invites, accounts, passwords, sign-ins
// and sign-outs, each with whom it was about and who did it. Events carry account ids only,
// so names come from the account list (a name changed since reads as it is now).

const EVENT: Record<string, string> = {
  AccountCreated: 'Account created',
  AccessLinkWithdrawn: 'Invite withdrawn',
  PasswordChanged: 'Password changed',
  AccountChanged: 'Account changed',
  AccountDeactivated: 'Deactivated',
  AccountReactivated: 'Reactivated',
  StaffSignedIn: 'Signed in',
  StaffSignedOut: 'Signed out',
};

/** The latest events only: the tab says what changed lately; the API has the whole stream. */
const SHOWN = 20;

/** "Invite issued · Ben", "Deactivated · Ben": what an accounts event did, and to whom. */
const auditLine = (e: AuditEvent, names: Map<string, string>): { label: string; subject: string | undefined } => {
  const { data } = e;
  const account = typeof data.accountId === 'string' ? names.get(data.accountId) : undefined;
  if (e.type === 'AccessLinkIssued') {
    // An invite is for someone with no account yet: their name is in the invite.
    const invite = data.invite as { name?: string } | undefined;
    return data.purpose === 'invite'
      ? { label: 'Invite issued', subject: invite?.name }
      : { label: 'Reset link issued', subject: account };
  }
  return { label: EVENT[e.type] ?? e.type, subject: account };
};

export const StaffHistory = ({
  events,
  accounts,
  zone,
}: {
  events: AuditEvent[];
  accounts: Account[];
  zone: string;
}) => {
  if (events.length === 0) return <p className="empty">None.</p>;
  const names = new Map(accounts.map((a) => [a.id, a.name]));
  return (
    <ol className="timeline" aria-label="Staff history" data-testid="staff-history">
      {events
        .slice(-SHOWN)
        .reverse()
        .map((e) => {
          const { label, subject } = auditLine(e, names);
          const who = whoText({ type: e.type, who: e.who });
          return (
            <li key={`${e.at}|${e.type}|${String(e.data.sessionId ?? e.data.linkId ?? e.data.accountId ?? '')}`}>
              <strong>{label}</strong>
              {subject && ` · ${subject}`}
              {/* "Signed in · Ben", not "… by Ben": who acted is said only when it is someone else. */}
              {who !== subject && ` by ${who}`}
              <div className="when">{longDateTime(e.at, zone)}</div>
            </li>
          );
        })}
    </ol>
  );
};
