import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type Account,
  type AccountsState,
  type Actor,
  type StaffSession,
  sessionOf,
  staffActor,
  stylistSlug,
} from '../../machines/index.js';
import { hashToken } from '../accounts/tokens.js';
import type { Clock } from '../clock.js';
import { ApiError } from './api-error.js';
import { bearerOf, type OwnerGuessLimit, tokenMatches } from './owner-auth.js';
import type { OriginCheck } from './same-origin.js';

// Who is calling an owner route: the API token (automation, acting as the salon), or a staff
// member signed in to the console with their session cookie. An /api/admin route says
// which it admits (`config.access`): `owner` (the token, or an account with the owner
// role), or `staff` (any signed-in account; a stylist then sees and acts on their own column
// only, which the route enforces with `columnOf`/`ensureColumn`). A route that does not say
// is for owners: forgetting errs closed (and the route table test names every route). A
// cookie can be sent by another site's page, so state changes made with one must carry our
// own Origin; the token is never ambient, so needs no such check.

export type Access = 'owner' | 'staff';
export type Principal = { kind: 'token' } | { kind: 'staff'; account: Account; session: StaffSession; token: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on every /api/admin request that got past authentication. */
    principal: Principal;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export const STAFF_COOKIE = 'hf_staff';
export const DEVICE_COOKIE = 'hf_device';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The signed-in staff member a request's cookie names, if its session is live. */
export const staffSessionOf = (
  request: FastifyRequest,
  state: AccountsState,
  now: number,
): { account: Account; session: StaffSession; token: string } | undefined => {
  const token = request.cookies[STAFF_COOKIE];
  if (token === undefined || token.length > 100) return undefined;
  const session = sessionOf(state, hashToken(token), now);
  const account = session === undefined ? undefined : state.accounts.get(session.accountId);
  return session === undefined || account === undefined ? undefined : { account, session, token };
};

export const staffCookie = (reply: FastifyReply, request: FastifyRequest, token: string, maxAgeSeconds: number) =>
  reply.setCookie(STAFF_COOKIE, token, {
    path: '/api',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
    maxAge: maxAgeSeconds,
  });

export const clearStaffCookie = (reply: FastifyReply, request: FastifyRequest) =>
  reply.clearCookie(STAFF_COOKIE, {
    path: '/api',
    httpOnly: true,
    sameSite: 'strict',
    secure: request.protocol === 'https',
  });

/** Who the audit names for what this request causes. */
export const actorOf = (request: FastifyRequest): Actor =>
  request.principal.kind === 'token' ? { kind: 'owner' } : staffActor(request.principal.account);

/** The column an account is confined to: a stylist's own (one matching no stylist if unset), none for an owner. */
export const columnOfAccount = (account: Account): string | undefined =>
  account.role === 'stylist' ? (account.stylist ?? '\u0000none') : undefined;

/** Why `account` may not see `stylist`'s column, or undefined if it may. */
export const columnRefusal = (account: Account | undefined, stylist: string): ApiError | undefined => {
  const own = account === undefined ? undefined : columnOfAccount(account);
  return own !== undefined && stylistSlug(own) !== stylistSlug(stylist)
    ? new ApiError(403, 'not_your_column', "that is another stylist's column")
    : undefined;
};

/** The stylist column a request is confined to, or undefined for the salon's owners and the token. */
export const columnOf = (request: FastifyRequest): string | undefined =>
  request.principal.kind === 'staff' ? columnOfAccount(request.principal.account) : undefined;

/** Refuses a stylist acting on another stylist's column. */
export const ensureColumn = (request: FastifyRequest, stylist: string): void => {
  const refusal = columnRefusal(request.principal.kind === 'staff' ? request.principal.account : undefined, stylist);
  if (refusal !== undefined) throw refusal;
};

/** The stylist filter a stylist's read is held to: their own, whatever they asked for (asking for another is refused). */
export const ownColumnFilter = (request: FastifyRequest, asked: string | undefined): string | undefined => {
  const own = columnOf(request);
  if (own === undefined) return asked;
  if (asked !== undefined) ensureColumn(request, asked);
  return own;
};

export const createStaffAuth = (deps: {
  ownerToken: string;
  guesses: OwnerGuessLimit;
  origins: OriginCheck;
  state: () => AccountsState;
  clock: Clock;
}) => {
  const unauthorised = (reply: FastifyReply): ApiError => {
    reply.header('www-authenticate', 'Bearer realm="holdfast-owner"');
    return new ApiError(401, 'unauthorized', 'sign in to the console, or send Authorization: Bearer <OWNER_TOKEN>');
  };

  /**
   * onRequest for /api/admin. The right token is let in even from an address over its guess
   * limit (it is long and random: the limit slows a guesser, it must not lock the owner out
   * from a shared network); a wrong one from there gets 429.
   */
  const authenticate = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const presented = bearerOf(request.headers.authorization);
    if (presented !== undefined) {
      if (tokenMatches(deps.ownerToken, presented)) {
        request.principal = { kind: 'token' };
        return;
      }
      await deps.guesses.check(request);
      await deps.guesses.failed(request);
      throw unauthorised(reply);
    }
    const staff = staffSessionOf(request, deps.state(), deps.clock.now());
    if (staff === undefined) throw unauthorised(reply);
    if (STATE_CHANGING.has(request.method)) {
      const refusal = deps.origins.strictRefusal(request);
      if (refusal !== undefined) throw refusal;
    }
    request.principal = { kind: 'staff', ...staff };
  };

  /** preHandler: the route's access rule. */
  const authorise = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    const access = request.routeOptions.config.access;
    const { principal } = request;
    if (access === 'staff' || principal.kind === 'token' || principal.account.role === 'owner') done();
    else done(new ApiError(403, 'owner_only', 'only the salon owner can do this'));
  };

  return { authenticate, authorise };
};
