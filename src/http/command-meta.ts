import type { FastifyRequest } from 'fastify';

// What a command carries from its request: the id stored with the events it causes, and
// when the request was received, so one check of the log made after that moment can answer
// for it (see the engine's sole-writer path).

declare module 'fastify' {
  interface FastifyRequest {
    /** `performance.now()` when the request's headers had been read (set on every request). */
    receivedAt: number;
  }
}

export const requestMeta = (request: FastifyRequest): { requestId: string; receivedAt: number } => ({
  requestId: request.id,
  receivedAt: request.receivedAt,
});
