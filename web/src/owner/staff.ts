import type { Account, Invite } from './ownerApi.ts';

// What the owner's Staff tab loads and passes between its parts. The tab loads everything
// once and again after each change, so the parts only render what they are given and report
// what they did through `Act`.

export type Role = Account['role'];

/** GET /api/admin/staff: every account, and the invites not yet used. */
export type Staff = { accounts: Account[]; invites: Invite[] };

/** An event of the accounts stream (GET /api/admin/staff/history). */
export type AuditEvent = {
  type: string;
  at: string;
  who: { kind: string; name?: string };
  data: Record<string, unknown>;
};

/** A one-time link just issued: an invite, or a password reset for an account. */
export type Issued = { purpose: 'invite' | 'reset'; name: string; link: string; expires_at: string };

/**
 * Runs a change, then says `done` (when given) and reloads every list; a refusal is said
 * instead. Resolves to whether it worked, for the caller to close a form or sign out.
 */
export type Act = (what: () => Promise<unknown>, done?: string) => Promise<boolean>;

/** "stylist · column Ben", "owner": how an account's or invite's role reads in a list. */
export const roleText = (role: string, stylist: string | null): string =>
  role === 'stylist' ? `stylist${stylist ? ` · column ${stylist}` : ''}` : role;
