import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

// Security headers, as helmet computes them for our policy. None of our directives is
// per-request (no CSP nonce), so helmet runs once, here, against a recorder, and every
// reply gets the recorded headers. (Running its twelve middlewares per request was a
// twentieth of a request's CPU when profiled; before that, @fastify/helmet rebuilt them,
// CSP parsing included, on every request.)

const policy = helmet({
  // /docs (Swagger UI) needs its own scripts and styles; everything else is JSON.
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      // A salon may run this on plain HTTP inside its network; do not force https.
      upgradeInsecureRequests: null,
    },
  },
});

/** The headers helmet sets for our policy, lower-cased, computed once. */
export const securityHeaders = (): Readonly<Record<string, string>> => {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: () => {}, // X-Powered-By: Fastify never sets it
  };
  let done = false;
  policy({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw error;
    done = true;
  });
  // A policy that needed the request (a nonce) or finished later could not be cached.
  if (!done || Object.keys(headers).length === 0) throw new Error('helmet policy is not static');
  return Object.freeze(headers);
};
