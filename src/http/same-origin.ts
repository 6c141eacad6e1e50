import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

// A client is its session cookie, and a browser attaches that cookie to requests another
// site's page makes (a form posted, a WebSocket opened from evil.example). SameSite=Lax
// stops some of those, not all (a top-level POST within two minutes of the cookie, a
// sibling subdomain, a WebSocket). So a state change made with the cookie, and the live
// socket that shows a client its holds, are refused from any origin but our own and the
// listed origins (CORS_ORIGIN, PUBLIC_URL): by `Origin` when the browser sends it (every
// browser does on POST and on a WebSocket handshake), else by `Sec-Fetch-Site`. A request
// with neither comes from no browser (curl, a server, a test) and carries no visitor's
// cookie by accident. "Our own" is the host the request was sent to, whatever the scheme: a
// proxy that ends TLS in front of us need not tell us it did; one that rewrites the Host
// header needs PUBLIC_URL.

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** host[:port], without a default port (the scheme may differ either side of a TLS proxy). */
const bare = (host: string): string => host.toLowerCase().replace(/:(80|443)$/, '');

/** An origin's host as a Host header would carry it ("null" and junk have none). */
const hostOf = (origin: string): string | undefined => {
  try {
    return bare(new URL(origin).host) || undefined;
  } catch {
    return undefined;
  }
};

export type OriginCheck = {
  /** Why this request must be refused, or undefined to let it through. */
  refusal(request: FastifyRequest): ApiError | undefined;
  /**
   * The same, but a request that says nothing of where it comes from is refused too: for
   * the staff console, whose cookie is worth more than a client's and whose only users are
   * browsers (which always send Origin on a POST); automation uses the API token instead.
   */
  strictRefusal(request: FastifyRequest): ApiError | undefined;
  /** onRequest hook for cookie-authenticated routes: state-changing methods only. */
  hook(request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void;
};

/** An origin as browsers send it (scheme://host[:port], default port left out), or the text. */
const normalOrigin = (origin: string): string => {
  try {
    return new URL(origin).origin;
  } catch {
    return origin.toLowerCase();
  }
};

export const createOriginCheck = (allowed: readonly string[]): OriginCheck => {
  const listed = new Set(allowed.map(normalOrigin));
  const foreign = (): ApiError =>
    new ApiError(403, 'cross_site_request', 'requests from other sites cannot act with this session');

  const refusal = (request: FastifyRequest): ApiError | undefined => {
    const origin = request.headers.origin;
    if (typeof origin === 'string') {
      const theirs = origin.toLowerCase();
      return listed.has(normalOrigin(theirs)) || hostOf(theirs) === bare(request.host) ? undefined : foreign();
    }
    const site = request.headers['sec-fetch-site'];
    return site === 'cross-site' || site === 'same-site' ? foreign() : undefined;
  };

  const strictRefusal = (request: FastifyRequest): ApiError | undefined => {
    const { origin } = request.headers;
    const site = request.headers['sec-fetch-site'];
    if (typeof origin !== 'string' && site !== 'same-origin') {
      return new ApiError(403, 'cross_site_request', 'console requests must come from the console page (no Origin)');
    }
    return refusal(request);
  };

  return {
    refusal,
    strictRefusal,
    hook: (request, _reply, done) => {
      if (!STATE_CHANGING.has(request.method)) done();
      else done(refusal(request));
    },
  };
};
