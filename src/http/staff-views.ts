import { Type } from 'typebox';
import type { AccessLink, Account, StaffSession } from '../../machines/index.js';

// Staff accounts, links and sessions as the API shows them: never a hash, never a token.

export const AccountView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('owner'), Type.Literal('stylist')]),
  stylist: Type.Union([Type.String(), Type.Null()], { description: "the stylist's column in the schedule" }),
  active: Type.Boolean(),
  created_at: Type.String({ format: 'date-time' }),
});

export const accountView = (account: Account) => ({
  id: account.accountId,
  email: account.email,
  name: account.name,
  role: account.role,
  stylist: account.stylist,
  active: account.active,
  created_at: account.createdAt,
});

export const InviteView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  stylist: Type.Union([Type.String(), Type.Null()]),
  issued_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
});

export const inviteView = (link: AccessLink) => ({
  id: link.linkId,
  email: link.invite?.email ?? '',
  name: link.invite?.name ?? '',
  role: link.invite?.role ?? 'stylist',
  stylist: link.invite?.stylist ?? null,
  issued_at: link.issuedAt,
  expires_at: new Date(link.expiresAt).toISOString(),
});

export const SessionView = Type.Object({
  id: Type.String(),
  account_id: Type.String(),
  name: Type.String(),
  device: Type.Union([Type.String(), Type.Null()]),
  started_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
  current: Type.Boolean({ description: 'the session this request was made with' }),
});

export const sessionView = (session: StaffSession, account: Account | undefined, currentId: string | undefined) => ({
  id: session.sessionId,
  account_id: session.accountId,
  name: account?.name ?? '',
  device: session.device ?? null,
  started_at: session.startedAt,
  expires_at: new Date(session.expiresAt).toISOString(),
  current: session.sessionId === currentId,
});
