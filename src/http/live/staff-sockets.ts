import type { FastifyRequest } from 'fastify';
import type { AccountsState } from '../../../machines/index.js';
import { columnOfAccount, staffSessionOf } from '../staff-auth.js';

// The console's live socket belongs to a signed-in staff member: it shows what their account
// may see (a stylist, their own column) and lives only as long as their session. What the
// account was when the socket opened is kept, so that a change (signed out, revoked, a
// password changed, deactivated, another role or column, or the session simply running out)
// closes the socket instead of leaving it showing what the person may no longer see.

export type StaffSocket = { sessionId: string; accountId: string; role: string; stylist: string | null };

/** The staff member opening a socket with their cookie, and the column it is held to (none for an owner). */
export const staffSocketOf = (
  request: FastifyRequest,
  state: AccountsState,
  now: number,
): { staff: StaffSocket; column: string | undefined } | undefined => {
  const signedIn = staffSessionOf(request, state, now);
  if (signedIn === undefined) return undefined;
  const { account, session } = signedIn;
  return {
    staff: { sessionId: session.sessionId, accountId: account.accountId, role: account.role, stylist: account.stylist },
    column: columnOfAccount(account),
  };
};

/** Whether a staff socket may stay open. */
export const staffSocketAllowed = (staff: StaffSocket, state: AccountsState, now: number): boolean => {
  const account = state.accounts.get(staff.accountId);
  const session = state.sessions.get(staff.sessionId);
  return (
    session !== undefined &&
    session.expiresAt > now &&
    account?.active === true &&
    account.role === staff.role &&
    account.stylist === staff.stylist
  );
};
