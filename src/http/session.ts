import type {} from '@fastify/cookie'; // request.cookies, signCookie, unsignCookie
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../random-pool.js';
import { ApiError } from './api-error.js';

// Identity is the session: a random id in a signed, HttpOnly, SameSite=Lax cookie that the
// server hands out with a client's first successful reply. A body's `user_id` is never read,
// so the seed's browser code works unchanged and nobody can act on another client's hold.

declare module 'fastify' {
  interface FastifyRequest {
    /** The session's client id; set by the session hook on client routes. */
    clientId: string;
    /** This request started the session: its cookie goes out with the reply if that succeeds. */
    newSession: boolean;
  }
}

export const SESSION_COOKIE = 'hf_session';
const SESSION_DAYS = 30;
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

type RateCheck = (request: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; ttl?: number }>;

// The cookie's attributes never change, so its Set-Cookie text is built here once instead
// of by a serializer per new session (cookie.serialize cost ~7 µs, mostly copying options).
// The value is URI-encoded as cookie.serialize would, so the cookie parser reads it back.
const ATTRIBUTES = `; Max-Age=${SESSION_DAYS * 86_400}; Path=/; HttpOnly`;
const setCookieText = (signed: string, https: boolean): string =>
  `${SESSION_COOKIE}=${encodeURIComponent(signed)}${ATTRIBUTES}${https ? '; Secure' : ''}; SameSite=Lax`;

/**
 * One app's sessions: `of` reads a request's valid session, `hook` (onRequest) reuses it or
 * starts one, `issue` (onSend) sends a new one's cookie. New sessions are rate limited per
 * IP, because dropping the cookie is how a hoarder would get around the per-client hold cap.
 *
 * Checking a signature is an HMAC, and a client sends the same cookie on every request, so
 * the signed values this app has issued or verified are remembered (bounded, oldest out):
 * a hit is the exact string that already passed, under this app's secret. Per app, not per
 * module: apps with different secrets (tests run several) must not vouch for each other.
 */
export const createSessions = (options: { limitNewSessions?: RateCheck | undefined; remember?: number } = {}) => {
  const remember = options.remember ?? 10_000;
  const known = new Map<string, string>();
  const keep = (signed: string, id: string): void => {
    if (known.size >= remember) known.delete(known.keys().next().value ?? '');
    known.set(signed, id);
  };

  /** The client id of a request's valid session cookie, if it has one. */
  const of = (request: FastifyRequest): string | undefined => {
    const raw = request.cookies[SESSION_COOKIE];
    if (raw === undefined) return undefined;
    const seen = known.get(raw);
    if (seen !== undefined) return seen;
    const { valid, value } = request.unsignCookie(raw);
    if (!valid || value === null || !SESSION_ID.test(value)) return undefined;
    keep(raw, value);
    return value;
  };

  const start = (request: FastifyRequest): void => {
    request.clientId = randomToken(16);
    request.newSession = true;
  };

  // onSend: a new session's cookie goes out only with a reply that succeeded. A refused first
  // request (most of a hot slot's callers) left nothing under its id, so it is not signed (an
  // HMAC) nor sent; the client's next request simply starts another session.
  const issue = (
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: (error: Error | null, payload: unknown) => void,
  ): void => {
    if (request.newSession && reply.statusCode < 400) {
      const signed = reply.signCookie(request.clientId);
      keep(signed, request.clientId);
      reply.header('set-cookie', setCookieText(signed, request.protocol === 'https'));
    }
    done(null, payload);
  };

  const startLimited = async (request: FastifyRequest, limit: RateCheck): Promise<void> => {
    const verdict = await limit(request);
    if (!verdict.isAllowed && verdict.isExceeded === true) {
      const retry = String(Math.ceil((verdict.ttl ?? 60_000) / 1_000));
      throw new ApiError(429, 'rate_limited', 'too many new sessions from your network; try again shortly', {
        'retry-after': retry,
      });
    }
    start(request);
  };

  // A callback hook, not an async one: a returning client (most requests) costs no promise.
  const hook = (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    const existing = of(request);
    if (existing !== undefined) {
      request.clientId = existing;
      done();
    } else if (options.limitNewSessions === undefined || request.method === 'GET' || request.method === 'HEAD') {
      // Only a session that would act (a POST) counts against the limit: the limit is there
      // so that throwing cookies away does not buy more holds, and reading the schedule
      // must keep working for everyone behind one shared address.
      start(request);
      done();
    } else {
      startLimited(request, options.limitNewSessions).then(() => done(), done);
    }
  };

  return { of, hook, issue };
};

export type Sessions = ReturnType<typeof createSessions>;
