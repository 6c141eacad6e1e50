import type { Actor } from './events.js';

// The salon's staff: accounts, the one-time links that create them or reset a password, and
// console sessions, all facts in one stream of their own (`accounts`), folded here. The
// stream is small (people, sign-ins), so a command decides on the whole of it, like the
// catalogue. Secrets never enter the log: links and sessions are stored as hashes of their
// tokens, passwords as argon2id hashes, all computed before a command is decided.

export const ACCOUNTS_STREAM = 'accounts';

export type Role = 'owner' | 'stylist';
export const ROLES: readonly Role[] = ['owner', 'stylist'];

/** Who an invite is for; the stylist is their column in the schedule (stylists only). */
export type InviteFor = { email: string; name: string; role: Role; stylist?: string };

export type AccountCreated = {
  type: 'AccountCreated';
  data: InviteFor & {
    accountId: string;
    passwordHash: string;
    createdAt: string;
    /** The invite it came from; absent for the owner who set the salon up. */
    linkId?: string;
  };
};
export type AccessLinkIssued = {
  type: 'AccessLinkIssued';
  data: {
    linkId: string;
    tokenHash: string;
    issuedAt: string;
    expiresAt: string;
  } & ({ purpose: 'invite'; invite: InviteFor } | { purpose: 'reset'; accountId: string });
};
export type AccessLinkWithdrawn = { type: 'AccessLinkWithdrawn'; data: { linkId: string; withdrawnAt: string } };
export type PasswordChanged = {
  type: 'PasswordChanged';
  data: {
    accountId: string;
    passwordHash: string;
    changedAt: string;
    /** The session it was changed from, which stays signed in; every other one ends. */
    keptSessionId?: string;
    /** The reset link used, if it was one. */
    linkId?: string;
  };
};
export type AccountChanged = {
  type: 'AccountChanged';
  data: { accountId: string; changedAt: string; name?: string; role?: Role; stylist?: string | null };
};
export type AccountDeactivated = { type: 'AccountDeactivated'; data: { accountId: string; deactivatedAt: string } };
export type AccountReactivated = { type: 'AccountReactivated'; data: { accountId: string; reactivatedAt: string } };
export type StaffSignedIn = {
  type: 'StaffSignedIn';
  data: {
    sessionId: string;
    accountId: string;
    tokenHash: string;
    startedAt: string;
    expiresAt: string;
    /** What the person signed in with ("Firefox on Android"), to tell sessions apart. */
    device?: string;
  };
};
export type StaffSignedOut = {
  type: 'StaffSignedOut';
  data: { sessionId: string; endedAt: string; reason: 'signed_out' | 'revoked' };
};

export type AccountEvent =
  | AccountCreated
  | AccessLinkIssued
  | AccessLinkWithdrawn
  | PasswordChanged
  | AccountChanged
  | AccountDeactivated
  | AccountReactivated
  | StaffSignedIn
  | StaffSignedOut;

const ACCOUNT_EVENT_TYPES = new Set<string>([
  'AccountCreated',
  'AccessLinkIssued',
  'AccessLinkWithdrawn',
  'PasswordChanged',
  'AccountChanged',
  'AccountDeactivated',
  'AccountReactivated',
  'StaffSignedIn',
  'StaffSignedOut',
]);

/** A stored event as an accounts fact, or undefined if it is none. */
export const toAccountEvent = (stored: { type: string; data: unknown }): AccountEvent | undefined =>
  ACCOUNT_EVENT_TYPES.has(stored.type) ? ({ type: stored.type, data: stored.data } as AccountEvent) : undefined;

export type Account = {
  accountId: string;
  email: string;
  name: string;
  role: Role;
  /** The stylist's column in the schedule; null for an owner. */
  stylist: string | null;
  passwordHash: string;
  active: boolean;
  createdAt: string;
};

export type AccessLink = {
  linkId: string;
  purpose: 'invite' | 'reset';
  tokenHash: string;
  issuedAt: string;
  expiresAt: number;
  invite?: InviteFor;
  accountId?: string;
  /** When it was used or withdrawn: a link works once. */
  spentAt?: string;
};

export type StaffSession = {
  sessionId: string;
  accountId: string;
  tokenHash: string;
  startedAt: string;
  expiresAt: number;
  device?: string;
};

export type AccountsState = {
  accounts: Map<string, Account>;
  links: Map<string, AccessLink>;
  /** Live sessions only: one that ends is forgotten. */
  sessions: Map<string, StaffSession>;
  sessionByToken: Map<string, string>;
  /** The stream's revision: what the next append must expect. */
  revision: number;
};

export const createAccountsState = (): AccountsState => ({
  accounts: new Map(),
  links: new Map(),
  sessions: new Map(),
  sessionByToken: new Map(),
  revision: -1,
});

const endSession = (state: AccountsState, sessionId: string): void => {
  const session = state.sessions.get(sessionId);
  if (session === undefined) return;
  state.sessions.delete(sessionId);
  state.sessionByToken.delete(session.tokenHash);
};

const endSessionsOf = (state: AccountsState, accountId: string, except?: string): void => {
  for (const session of [...state.sessions.values()]) {
    if (session.accountId === accountId && session.sessionId !== except) endSession(state, session.sessionId);
  }
};

const spend = (state: AccountsState, linkId: string | undefined, at: string): void => {
  const link = linkId === undefined ? undefined : state.links.get(linkId);
  if (link !== undefined && link.spentAt === undefined) link.spentAt = at;
};

/** Folds one accounts fact into the state (mutating it: it is a read model's, or a decision's copy). */
export const evolveAccounts = (state: AccountsState, event: AccountEvent): void => {
  switch (event.type) {
    case 'AccountCreated': {
      const { accountId, email, name, role, stylist, passwordHash, createdAt, linkId } = event.data;
      state.accounts.set(accountId, {
        accountId,
        email,
        name,
        role,
        stylist: stylist ?? null,
        passwordHash,
        active: true,
        createdAt,
      });
      spend(state, linkId, createdAt);
      return;
    }
    case 'AccessLinkIssued': {
      const { data } = event;
      state.links.set(data.linkId, {
        linkId: data.linkId,
        purpose: data.purpose,
        tokenHash: data.tokenHash,
        issuedAt: data.issuedAt,
        expiresAt: Date.parse(data.expiresAt),
        ...(data.purpose === 'invite' ? { invite: data.invite } : { accountId: data.accountId }),
      });
      return;
    }
    case 'AccessLinkWithdrawn':
      spend(state, event.data.linkId, event.data.withdrawnAt);
      return;
    case 'PasswordChanged': {
      const { accountId, passwordHash, keptSessionId, linkId, changedAt } = event.data;
      const account = state.accounts.get(accountId);
      if (account !== undefined) state.accounts.set(accountId, { ...account, passwordHash });
      endSessionsOf(state, accountId, keptSessionId);
      spend(state, linkId, changedAt);
      return;
    }
    case 'AccountChanged': {
      const { accountId, name, role, stylist } = event.data;
      const account = state.accounts.get(accountId);
      if (account === undefined) return;
      state.accounts.set(accountId, {
        ...account,
        ...(name !== undefined && { name }),
        ...(role !== undefined && { role }),
        ...(stylist !== undefined && { stylist }),
      });
      return;
    }
    case 'AccountDeactivated': {
      const account = state.accounts.get(event.data.accountId);
      if (account !== undefined) state.accounts.set(account.accountId, { ...account, active: false });
      endSessionsOf(state, event.data.accountId);
      return;
    }
    case 'AccountReactivated': {
      const account = state.accounts.get(event.data.accountId);
      if (account !== undefined) state.accounts.set(account.accountId, { ...account, active: true });
      return;
    }
    case 'StaffSignedIn': {
      const { sessionId, accountId, tokenHash, startedAt, expiresAt, device } = event.data;
      // Sessions past their end are forgotten as new ones start, so memory follows the people
      // signed in, not every sign-in there ever was.
      const at = Date.parse(startedAt);
      for (const session of [...state.sessions.values()]) {
        if (session.expiresAt <= at) endSession(state, session.sessionId);
      }
      state.sessions.set(sessionId, {
        sessionId,
        accountId,
        tokenHash,
        startedAt,
        expiresAt: Date.parse(expiresAt),
        ...(device !== undefined && { device }),
      });
      state.sessionByToken.set(tokenHash, sessionId);
      return;
    }
    case 'StaffSignedOut':
      endSession(state, event.data.sessionId);
      return;
    default: {
      const unknown: never = event;
      throw new Error(`unknown accounts event ${JSON.stringify(unknown)}`);
    }
  }
};

/** A copy to decide on (and fold a decision's own events into) without touching the original. */
export const copyAccountsState = (state: AccountsState): AccountsState => ({
  accounts: new Map([...state.accounts].map(([id, a]) => [id, { ...a }])),
  links: new Map([...state.links].map(([id, l]) => [id, { ...l }])),
  sessions: new Map(state.sessions),
  sessionByToken: new Map(state.sessionByToken),
  revision: state.revision,
});

/** A session that opens the console now: not ended, not run out, its account active. */
const isLive = (state: AccountsState, session: StaffSession, now: number): boolean =>
  session.expiresAt > now && state.accounts.get(session.accountId)?.active === true;

/** The live session a cookie's token hash names, if any. */
export const sessionOf = (state: AccountsState, tokenHash: string, now: number): StaffSession | undefined => {
  const sessionId = state.sessionByToken.get(tokenHash);
  const session = sessionId === undefined ? undefined : state.sessions.get(sessionId);
  return session !== undefined && isLive(state, session, now) ? session : undefined;
};

/** Every session that opens the console now, in the order started. */
export const liveSessions = (state: AccountsState, now: number): StaffSession[] =>
  [...state.sessions.values()].filter((s) => isLive(state, s, now));

/** Invites not yet used, withdrawn or run out. */
export const openInvites = (state: AccountsState, now: number): AccessLink[] =>
  [...state.links.values()].filter((l) => l.purpose === 'invite' && l.spentAt === undefined && l.expiresAt > now);

/** Who the audit names for what an account does, as it is named now. */
export const staffActor = (account: Pick<Account, 'accountId' | 'name' | 'role'>): Actor => ({
  kind: 'staff',
  accountId: account.accountId,
  name: account.name,
  role: account.role,
});

/** An account by email, whatever its case. */
export const accountByEmail = (state: AccountsState, email: string): Account | undefined => {
  const wanted = email.trim().toLowerCase();
  for (const account of state.accounts.values()) if (account.email === wanted) return account;
  return undefined;
};

/** A link that can still be used: issued, not spent, not run out. */
export const usableLink = (state: AccountsState, tokenHash: string, now: number): AccessLink | undefined => {
  for (const link of state.links.values()) {
    if (link.tokenHash === tokenHash) return link.spentAt === undefined && link.expiresAt > now ? link : undefined;
  }
  return undefined;
};
