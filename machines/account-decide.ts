import {
  type AccountEvent,
  type AccountsState,
  type InviteFor,
  openInvites,
  ROLES,
  type Role,
  usableLink,
} from './accounts.js';
import { DomainError } from './errors.js';
import { labelText } from './plain-text.js';
import { stylistSlug } from './slot-id.js';

// What each staff command does to the accounts stream, or why it is refused. Pure: ids,
// token hashes and password hashes are made by the caller (they need randomness and a slow
// hash), the time comes in as `now`.

export type AccountCommand =
  | { type: 'setUp'; accountId: string; email: unknown; name: unknown; passwordHash: string }
  | {
      type: 'invite';
      linkId: string;
      tokenHash: string;
      expiresAt: number;
      invite: { email: unknown; name: unknown; role: unknown; stylist?: unknown };
    }
  | { type: 'issueReset'; linkId: string; tokenHash: string; expiresAt: number; accountId: string }
  | { type: 'withdrawLink'; linkId: string }
  | { type: 'acceptInvite'; tokenHash: string; accountId: string; passwordHash: string }
  | { type: 'acceptReset'; tokenHash: string; passwordHash: string }
  | { type: 'changePassword'; accountId: string; passwordHash: string; keptSessionId?: string }
  | { type: 'changeAccount'; accountId: string; name?: unknown; role?: unknown; stylist?: unknown }
  | { type: 'deactivate'; accountId: string }
  | { type: 'reactivate'; accountId: string }
  | { type: 'signIn'; sessionId: string; tokenHash: string; accountId: string; expiresAt: number; device?: string }
  | { type: 'signOut'; sessionId: string; reason: 'signed_out' | 'revoked' };

const invalid = (message: string): never => {
  throw new DomainError('invalid_account', message);
};

const text = (value: unknown, field: string, max: number): string => labelText(value, field, max, invalid);

/** A person's name as an account keeps it (callers that name someone before deciding use it too). */
export const personName = (value: unknown): string => text(value, 'name', 60);

// Enough to catch a typo, not a full RFC 5322 parser: one @, a dot in the domain, no spaces.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
const email = (value: unknown): string => {
  const clean = text(value, 'email', 254).toLowerCase();
  return EMAIL.test(clean) ? clean : invalid('email must be an address like anna@example.com');
};

const role = (value: unknown): Role =>
  ROLES.includes(value as Role) ? (value as Role) : invalid(`role must be one of ${ROLES.join(', ')}`);

const stylistName = (value: unknown): string => {
  const name = text(value, 'stylist', 60);
  return stylistSlug(name) === '' ? invalid('a stylist name needs a letter or digit') : name;
};

const liveOwners = (state: AccountsState): number =>
  [...state.accounts.values()].filter((a) => a.active && a.role === 'owner').length;

const pendingInvites = (state: AccountsState, now: number): InviteFor[] =>
  openInvites(state, now).flatMap((l) => (l.invite === undefined ? [] : [l.invite]));

/** One account (or pending invite) per email, and one active account per stylist column. */
const ensureFree = (
  state: AccountsState,
  now: number,
  who: { email?: string; stylist?: string | null },
  except?: { accountId?: string; invite?: InviteFor },
): void => {
  const others = [...state.accounts.values()].filter((a) => a.accountId !== except?.accountId);
  const invites = pendingInvites(state, now).filter((i) => i !== except?.invite);
  if (who.email !== undefined && [...others, ...invites].some((a) => a.email === who.email)) {
    throw new DomainError('email_taken', 'there is already an account or an invite for that email');
  }
  const slug = who.stylist ? stylistSlug(who.stylist) : undefined;
  if (
    slug !== undefined &&
    [...others.filter((a) => a.active), ...invites].some((a) => a.stylist && stylistSlug(a.stylist) === slug)
  ) {
    throw new DomainError('stylist_taken', `someone already has the column "${who.stylist}"`);
  }
};

const inviteFor = (input: Extract<AccountCommand, { type: 'invite' }>['invite']): InviteFor => {
  const who = { email: email(input.email), name: personName(input.name), role: role(input.role) };
  if (who.role === 'owner') return who;
  if (input.stylist === undefined) return invalid('a stylist needs the stylist name their column has in the schedule');
  return { ...who, stylist: stylistName(input.stylist) };
};

const accountOf = (state: AccountsState, accountId: string) => {
  const account = state.accounts.get(accountId);
  if (account === undefined) throw new DomainError('account_not_found', 'no such account');
  return account;
};

/** Refuses a link that was used, withdrawn or ran out (or never was). */
export const linkGone = (): never => {
  throw new DomainError('link_invalid', 'this link has been used, withdrawn or has run out; ask for a new one');
};

export const decideAccounts = (state: AccountsState, command: AccountCommand, now: number): AccountEvent[] => {
  const at = new Date(now).toISOString();
  switch (command.type) {
    case 'setUp': {
      if (state.accounts.size > 0) throw new DomainError('already_set_up', 'the salon already has an owner');
      const data = { email: email(command.email), name: personName(command.name), role: 'owner' as const };
      const { accountId, passwordHash } = command;
      return [{ type: 'AccountCreated', data: { ...data, accountId, passwordHash, createdAt: at } }];
    }
    case 'invite': {
      const invite = inviteFor(command.invite);
      ensureFree(state, now, invite);
      const { linkId, tokenHash, expiresAt } = command;
      const when = { issuedAt: at, expiresAt: new Date(expiresAt).toISOString() };
      return [{ type: 'AccessLinkIssued', data: { linkId, tokenHash, ...when, purpose: 'invite', invite } }];
    }
    case 'issueReset': {
      const account = accountOf(state, command.accountId);
      if (!account.active) throw new DomainError('account_inactive', 'this account is deactivated');
      const { linkId, tokenHash, expiresAt, accountId } = command;
      const when = { issuedAt: at, expiresAt: new Date(expiresAt).toISOString() };
      return [{ type: 'AccessLinkIssued', data: { linkId, tokenHash, ...when, purpose: 'reset', accountId } }];
    }
    case 'withdrawLink': {
      const link = state.links.get(command.linkId);
      if (link === undefined) throw new DomainError('link_invalid', 'no such link');
      return link.spentAt !== undefined
        ? []
        : [{ type: 'AccessLinkWithdrawn', data: { linkId: link.linkId, withdrawnAt: at } }];
    }
    case 'acceptInvite': {
      const link = usableLink(state, command.tokenHash, now);
      if (link?.purpose !== 'invite' || link.invite === undefined) return linkGone();
      ensureFree(state, now, link.invite, { invite: link.invite });
      const { accountId, passwordHash } = command;
      return [
        {
          type: 'AccountCreated',
          data: { ...link.invite, accountId, passwordHash, createdAt: at, linkId: link.linkId },
        },
      ];
    }
    case 'acceptReset': {
      const link = usableLink(state, command.tokenHash, now);
      if (link?.purpose !== 'reset' || link.accountId === undefined) return linkGone();
      if (!accountOf(state, link.accountId).active) return linkGone();
      const data = {
        accountId: link.accountId,
        passwordHash: command.passwordHash,
        changedAt: at,
        linkId: link.linkId,
      };
      return [{ type: 'PasswordChanged', data }];
    }
    case 'changePassword': {
      const account = accountOf(state, command.accountId);
      if (!account.active) throw new DomainError('account_inactive', 'this account is deactivated');
      const { accountId, passwordHash, keptSessionId } = command;
      return [
        {
          type: 'PasswordChanged',
          data: { accountId, passwordHash, changedAt: at, ...(keptSessionId !== undefined && { keptSessionId }) },
        },
      ];
    }
    case 'changeAccount': {
      const account = accountOf(state, command.accountId);
      const name = command.name === undefined ? undefined : personName(command.name);
      const newRole = command.role === undefined ? undefined : role(command.role);
      const finalRole = newRole ?? account.role;
      let stylist: string | null | undefined; // undefined: unchanged
      if (finalRole === 'owner') stylist = null;
      else if (command.stylist !== undefined && command.stylist !== null) stylist = stylistName(command.stylist);
      else if (account.stylist === null) {
        return invalid('a stylist needs the stylist name their column has in the schedule');
      }
      if (account.role === 'owner' && finalRole !== 'owner' && account.active && liveOwners(state) === 1) {
        throw new DomainError('last_owner', 'the salon needs at least one active owner');
      }
      if (stylist) ensureFree(state, now, { stylist }, { accountId: account.accountId });
      const changes = {
        ...(name !== undefined && name !== account.name && { name }),
        ...(newRole !== undefined && newRole !== account.role && { role: newRole }),
        ...(stylist !== undefined && stylist !== account.stylist && { stylist }),
      };
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'AccountChanged', data: { accountId: account.accountId, changedAt: at, ...changes } }];
    }
    case 'deactivate': {
      const account = accountOf(state, command.accountId);
      if (!account.active) return [];
      if (account.role === 'owner' && liveOwners(state) === 1) {
        throw new DomainError('last_owner', 'the salon needs at least one active owner');
      }
      return [{ type: 'AccountDeactivated', data: { accountId: account.accountId, deactivatedAt: at } }];
    }
    case 'reactivate': {
      const account = accountOf(state, command.accountId);
      if (account.active) return [];
      ensureFree(state, now, { stylist: account.stylist }, { accountId: account.accountId });
      return [{ type: 'AccountReactivated', data: { accountId: account.accountId, reactivatedAt: at } }];
    }
    case 'signIn': {
      const account = accountOf(state, command.accountId);
      if (!account.active) throw new DomainError('account_inactive', 'this account is deactivated');
      const { sessionId, tokenHash, accountId, expiresAt, device } = command;
      return [
        {
          type: 'StaffSignedIn',
          data: {
            sessionId,
            accountId,
            tokenHash,
            startedAt: at,
            expiresAt: new Date(expiresAt).toISOString(),
            ...(device !== undefined && { device }),
          },
        },
      ];
    }
    case 'signOut':
      return state.sessions.has(command.sessionId)
        ? [{ type: 'StaffSignedOut', data: { sessionId: command.sessionId, endedAt: at, reason: command.reason } }]
        : [];
    default: {
      const unknown: never = command;
      throw new Error(`unknown accounts command ${JSON.stringify(unknown)}`);
    }
  }
};
