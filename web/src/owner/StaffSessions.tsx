import { longDateTime } from '../shared/time.ts';
import { MenuRow } from './MenuRow.tsx';
import { ownerApi, type StaffSession } from './ownerApi.ts';
import type { Act } from './staff.ts';

// Every console session signed in now, named by person and device, for the owner to sign
// out a lost phone or a shared computer. That person's console notices at once (its live
// socket closes) and asks them to sign in again; signing out this browser's own session
// does the same here.

export const SessionList = ({
  sessions,
  zone,
  act,
  onSignedOut,
}: {
  sessions: StaffSession[];
  zone: string;
  act: Act;
  /** This browser's own session was signed out. */
  onSignedOut: () => void;
}) => (
  <ul className="menu" aria-label="Sessions">
    {sessions.map((session) => {
      const device = session.device ?? 'an unknown device';
      const signOut = async (): Promise<void> => {
        const ok = await act(
          () => ownerApi('POST', `/api/admin/sessions/${encodeURIComponent(session.id)}/revoke`),
          `${session.name} is signed out on ${device}.`,
        );
        if (ok && session.current) onSignedOut();
      };
      return (
        <li key={session.id} data-session-id={session.id} data-current={session.current}>
          <MenuRow
            title={session.name}
            tags={session.current && <span className="tag">this browser</span>}
            sub={
              <>
                {device} · since {longDateTime(session.started_at, zone)}
              </>
            }
          >
            <button
              type="button"
              className="btn quiet"
              aria-label={`Sign out ${session.name} on ${device}${session.current ? ' (this browser)' : ''}`}
              onClick={() => void signOut()}
            >
              Sign out
            </button>
          </MenuRow>
        </li>
      );
    })}
  </ul>
);
