import type {} from '@fastify/cookie'; // request.cookies, signCookie, unsignCookie
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../random-pool.js';
import { ApiError } from './api-error.js';

// Identity is the session: a random id in a signed, HttpOnly, SameSite=Lax cookie that the
// server hands out on a client's first request. A body's `user_id` is never read, so the
// seed's browser code works unchanged and nobody can act on another client's hold.

declare module 'fastify' {
  interface FastifyRequest {
    /** The session's client id; set by the session hook on client routes. */
    clientId: string;
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
 * starts one. New sessions are rate limited per IP, because dropping the cookie is how a
 * hoarder would get around the per-client hold cap.
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

  const start = (request: FastifyRequest, reply: FastifyReply): void => {
    const id = randomToken(16);
    request.clientId = id;
    const signed = reply.signCookie(id);
    keep(signed, id);
    reply.header('set-cookie', setCookieText(signed, request.protocol === 'https'));
  };

  const startLimited = async (request: FastifyRequest, reply: FastifyReply, limit: RateCheck): Promise<void> => {
    const verdict = await limit(request);
    if (!verdict.isAllowed && verdict.isExceeded === true) {
      const retry = String(Math.ceil((verdict.ttl ?? 60_000) / 1_000));
      throw new ApiError(429, 'rate_limited', 'too many new sessions from your network; try again shortly', {
        'retry-after': retry,
      });
    }
    start(request, reply);
  };

  // A callback hook, not an async one: a returning client (most requests) costs no promise.
  const hook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    const existing = of(request);
    if (existing !== undefined) {
      request.clientId = existing;
      done();
    } else if (options.limitNewSessions === undefined) {
      start(request, reply);
      done();
    } else {
      startLimited(request, reply, options.limitNewSessions).then(() => done(), done);
    }
  };

  return { of, hook };
};

export type Sessions = ReturnType<typeof createSessions>;
