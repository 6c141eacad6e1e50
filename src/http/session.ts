import type {} from '@fastify/cookie'; // request.cookies, unsignCookie, setCookie
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

/** The client id of a request's valid session cookie, if it has one. */
export const sessionOf = (request: FastifyRequest): string | undefined => {
  const raw = request.cookies[SESSION_COOKIE];
  if (raw === undefined) return undefined;
  const { valid, value } = request.unsignCookie(raw);
  return valid && value !== null && SESSION_ID.test(value) ? value : undefined;
};

/**
 * onRequest hook: reuse the session or start one. New sessions are rate limited per IP,
 * because dropping the cookie is how a hoarder would get around the per-client hold cap.
 */
export const sessionHook =
  (limitNewSessions?: RateCheck) =>
  async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const existing = sessionOf(request);
    if (existing !== undefined) {
      request.clientId = existing;
      return;
    }
    if (limitNewSessions !== undefined) {
      const limit = await limitNewSessions(request);
      if (!limit.isAllowed && limit.isExceeded === true) {
        const retry = String(Math.ceil((limit.ttl ?? 60_000) / 1_000));
        throw new ApiError(429, 'rate_limited', 'too many new sessions from your network; try again shortly', {
          'retry-after': retry,
        });
      }
    }
    const id = randomToken(16);
    request.clientId = id;
    reply.setCookie(SESSION_COOKIE, id, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      secure: 'auto',
      path: '/',
      maxAge: SESSION_DAYS * 86_400,
    });
  };
