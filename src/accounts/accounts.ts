import type { Logger } from 'pino';
import {
  ACCOUNTS_STREAM,
  type Account,
  type AccountCommand,
  type AccountsState,
  accountByEmail,
  copyAccountsState,
  createAccountsState,
  DomainError,
  decideAccounts,
  EVENT_SCHEMA_VERSION,
  type EventMetadata,
  evolveAccounts,
  linkGone,
  personName,
  type StaffSession,
  staffActor,
  toAccountEvent,
  usableLink,
} from '../../machines/index.js';
import type { Clock } from '../clock.js';
import { EngineError } from '../engine/errors.js';
import { type EventLog, expectedFor, isVersionConflict } from '../eventlog/port.js';
import { checkPasswordRules, hashPassword, passwordMatches, spendAsMuchAsAVerification } from './passwords.js';
import { hashToken, newId, newToken } from './tokens.js';

// Staff commands, run against the accounts stream. A command decides on a copy of the read
// model's accounts (kept current by the projector, which also sees other processes' appends)
// and appends at that stream revision; if another writer got there first, it reads the
// stream itself and decides again. Answered once the read models have the result, so the
// very next request (a sign-in straight after an invite is accepted) sees it.

export type AccountsMeta = Pick<EventMetadata, 'actor' | 'requestId'>;
export type NewSession = { token: string; session: StaffSession; account: Account };

export type AccountsSettings = { sessionHours: number; inviteHours: number; resetHours: number };
export const defaultAccountsSettings: AccountsSettings = { sessionHours: 24 * 14, inviteHours: 72, resetHours: 1 };

const CONFLICT_RETRIES = 3;

export const createAccounts = (deps: {
  log: EventLog;
  clock: Clock;
  /** The read model's accounts (engine.models.accounts), current to the last event folded. */
  state: () => AccountsState;
  waitFor(position: number): Promise<void>;
  settings?: AccountsSettings;
  logger?: Logger | undefined;
}) => {
  const { log, clock, logger } = deps;
  const settings = deps.settings ?? defaultAccountsSettings;

  const unavailable = (error: unknown): never => {
    logger?.error({ err: error }, 'the accounts stream could not be read or written');
    throw new EngineError('log_unavailable', 'the booking log is unavailable, try again', { cause: error });
  };

  const readFresh = async (): Promise<AccountsState> => {
    const state = createAccountsState();
    for (const stored of await log.readStream(ACCOUNTS_STREAM).catch(unavailable)) {
      const event = toAccountEvent(stored);
      if (event !== undefined) evolveAccounts(state, event);
      state.revision = stored.revision;
    }
    return state;
  };

  /** Decides and appends; the state after the command's own events (for the caller to read). */
  const run = async (command: AccountCommand, meta: AccountsMeta): Promise<AccountsState> => {
    let state = copyAccountsState(deps.state());
    for (let attempt = 0; ; attempt += 1) {
      const events = decideAccounts(state, command, clock.now());
      if (events.length === 0) return state;
      const metadata: EventMetadata = {
        schemaVersion: EVENT_SCHEMA_VERSION,
        actor: meta.actor,
        ...(meta.requestId !== undefined && { requestId: meta.requestId }),
      };
      try {
        const appended = await log.append(
          ACCOUNTS_STREAM,
          events.map((e) => ({ type: e.type, data: e.data, metadata })),
          expectedFor(state.revision),
        );
        await deps.waitFor(appended.position);
        for (const event of events) evolveAccounts(state, event);
        return state;
      } catch (error) {
        if (!isVersionConflict(error)) return unavailable(error);
        if (attempt >= CONFLICT_RETRIES) throw new EngineError('busy', 'accounts are changing fast, try again');
        state = await readFresh();
      }
    }
  };

  const accountIn = (state: AccountsState, accountId: string): Account => {
    const account = state.accounts.get(accountId);
    if (account === undefined) throw new Error(`account ${accountId} missing after its own command`);
    return account;
  };

  const startSession = async (accountId: string, device: string | undefined, meta: AccountsMeta) => {
    const token = newToken();
    const sessionId = newId();
    const expiresAt = clock.now() + settings.sessionHours * 3_600_000;
    const tokenHash = hashToken(token);
    const command: AccountCommand = { type: 'signIn', sessionId, tokenHash, accountId, expiresAt };
    const state = await run(device === undefined ? command : { ...command, device }, meta);
    const session = state.sessions.get(sessionId);
    if (session === undefined) throw new Error(`session ${sessionId} missing after its own sign-in`);
    return { token, session, account: accountIn(state, accountId) };
  };

  const issueLink = async (
    make: (ids: { linkId: string; tokenHash: string }) => AccountCommand,
    meta: AccountsMeta,
  ): Promise<{ token: string; linkId: string; expiresAt: number }> => {
    const token = newToken();
    const linkId = newId();
    const state = await run(make({ linkId, tokenHash: hashToken(token) }), meta);
    return { token, linkId, expiresAt: state.links.get(linkId)?.expiresAt ?? 0 };
  };

  return {
    settings,

    /** The first owner, from the setup link (the caller has checked the link). */
    async setUp(input: { email: unknown; name: unknown; password: unknown }, meta: { requestId?: string }) {
      if (deps.state().accounts.size > 0) throw new DomainError('already_set_up', 'the salon already has an owner');
      const email = typeof input.email === 'string' ? input.email : undefined;
      const name = typeof input.name === 'string' ? input.name : undefined;
      const password = await checkPasswordRules(input.password, { email, name });
      const accountId = newId();
      const passwordHash = await hashPassword(password);
      const actor = staffActor({ accountId, name: personName(input.name), role: 'owner' });
      const state = await run(
        { type: 'setUp', accountId, email: input.email, name: input.name, passwordHash },
        { actor, ...meta },
      );
      return accountIn(state, accountId);
    },

    /** The account an email names, whatever its case (for `checkCredentials`). */
    byEmail: (email: string): Account | undefined => accountByEmail(deps.state(), email),

    /**
     * `account` if it is active and `password` is its own, else undefined (taking as long
     * either way, also for an email with no account). `known`: from a browser that signed in
     * to this account before (checked first when busy).
     */
    async checkCredentials(
      account: Account | undefined,
      password: string,
      known = false,
    ): Promise<Account | undefined> {
      if (account === undefined || !account.active || password.length > 1_000) {
        await spendAsMuchAsAVerification(password.slice(0, 1_000));
        return undefined;
      }
      return (await passwordMatches(account.passwordHash, password, known)) ? account : undefined;
    },

    startSession,

    endSession: (sessionId: string, reason: 'signed_out' | 'revoked', meta: AccountsMeta) =>
      run({ type: 'signOut', sessionId, reason }, meta).then(() => undefined),

    invite: (invite: { email: unknown; name: unknown; role: unknown; stylist?: unknown }, meta: AccountsMeta) =>
      issueLink(
        (ids) => ({ type: 'invite', ...ids, expiresAt: clock.now() + settings.inviteHours * 3_600_000, invite }),
        meta,
      ),

    issueReset: (accountId: string, meta: AccountsMeta) =>
      issueLink(
        (ids) => ({ type: 'issueReset', ...ids, expiresAt: clock.now() + settings.resetHours * 3_600_000, accountId }),
        meta,
      ),

    withdrawLink: (linkId: string, meta: AccountsMeta) =>
      run({ type: 'withdrawLink', linkId }, meta).then(() => undefined),

    /** The link a token opens, if it still can be used. */
    linkFor: (token: string) => usableLink(deps.state(), hashToken(token), clock.now()),

    /** Uses an invite (a new account) or a reset link (a new password), then signs in. */
    async acceptLink(token: string, password: unknown, device: string | undefined, meta: { requestId?: string }) {
      const link = usableLink(deps.state(), hashToken(token), clock.now()) ?? linkGone();
      const existing = link.accountId === undefined ? undefined : deps.state().accounts.get(link.accountId);
      const person = link.invite ?? existing;
      const checked = await checkPasswordRules(password, { email: person?.email, name: person?.name });
      const passwordHash = await hashPassword(checked);
      const tokenHash = hashToken(token);
      const accountId = link.accountId ?? newId();
      const actorOf = (person: Pick<Account, 'name' | 'role'>) => staffActor({ ...person, accountId });
      if (link.purpose === 'invite' && link.invite !== undefined) {
        await run(
          { type: 'acceptInvite', tokenHash, accountId, passwordHash },
          { actor: actorOf(link.invite), ...meta },
        );
      } else if (existing !== undefined) {
        await run({ type: 'acceptReset', tokenHash, passwordHash }, { actor: actorOf(existing), ...meta });
      }
      const account = deps.state().accounts.get(accountId);
      if (account === undefined) throw new Error(`account ${accountId} missing after its link was used`);
      return startSession(accountId, device, { actor: actorOf(account), ...meta });
    },

    /** A signed-in person's new password (the caller has checked their current one); their other sessions end. */
    async changePassword(session: StaffSession, next: unknown, meta: AccountsMeta): Promise<void> {
      const account = deps.state().accounts.get(session.accountId);
      if (account === undefined) throw new DomainError('account_not_found', 'no such account');
      const passwordHash = await hashPassword(await checkPasswordRules(next, account));
      await run(
        { type: 'changePassword', accountId: account.accountId, passwordHash, keptSessionId: session.sessionId },
        meta,
      );
    },

    async changeAccount(
      accountId: string,
      changes: { name?: unknown; role?: unknown; stylist?: unknown },
      meta: AccountsMeta,
    ) {
      return accountIn(await run({ type: 'changeAccount', accountId, ...changes }, meta), accountId);
    },
    async deactivate(accountId: string, meta: AccountsMeta) {
      return accountIn(await run({ type: 'deactivate', accountId }, meta), accountId);
    },
    async reactivate(accountId: string, meta: AccountsMeta) {
      return accountIn(await run({ type: 'reactivate', accountId }, meta), accountId);
    },

    /** Every accounts event with who caused it, for the owner's audit (hashes left out). */
    async history() {
      const stream = await log.readStream(ACCOUNTS_STREAM).catch(unavailable);
      return stream.map((stored) => {
        const { passwordHash: _p, tokenHash: _t, ...data } = stored.data as Record<string, unknown>;
        return { type: stored.type, at: stored.recordedAt, metadata: stored.metadata, data };
      });
    },
  };
};

export type Accounts = ReturnType<typeof createAccounts>;
