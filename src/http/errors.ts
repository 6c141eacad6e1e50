import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { type DomainErrorCode, isDomainError } from '../../machines/index.js';
import { type EngineErrorCode, isEngineError } from '../engine/errors.js';
import { ApiError, type ItemError } from './api-error.js';

// Every refusal becomes {error: "<code>", message} with one status, decided here and only
// here. The seed's contract: reserve → 409 when taken; book/cancel → 400 when there is
// no live hold of yours. Anything a client can send maps to a 4xx; 500 means our bug.

const DOMAIN_STATUS: Record<DomainErrorCode, number> = {
  slot_not_found: 404,
  slot_taken: 409,
  slot_closed: 409,
  slot_booked: 409,
  slot_in_past: 409,
  slot_exists: 409,
  slot_overlaps: 409,
  invalid_slot: 400,
  too_many_holds: 429,
  too_many_holds_from_network: 429,
  hold_cooldown: 429,
  no_hold: 400,
  not_your_hold: 400,
  hold_expired: 400,
  invalid_customer: 400,
  not_closed: 409,
  not_booked: 409,
  invalid_service: 400,
  service_exists: 409,
  service_not_found: 404,
  service_retired: 409,
  service_does_not_fit: 409,
  appointment_not_whole: 409,
  invalid_account: 400,
  already_set_up: 409,
  email_taken: 409,
  stylist_taken: 409,
  link_invalid: 410,
  account_not_found: 404,
  account_inactive: 403,
  last_owner: 409,
  weak_password: 400,
};

// Not the client's fault and worth retrying shortly.
const ENGINE_RETRY_SECONDS: Record<EngineErrorCode, number> = {
  busy: 1,
  log_unavailable: 5,
  not_ready: 5,
  shutting_down: 5,
};

/** Fastify's own 4xx codes for malformed requests, named for clients. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
};

export type ErrorBody = { error: string; message: string; errors?: ItemError[]; challenge?: unknown };

export const toApiError = (error: unknown): ApiError | undefined => {
  if (error instanceof ApiError) return error;
  if (isDomainError(error)) {
    // A refusal that lifts by itself says when, in whole seconds (RFC 9110), never less than 1.
    const wait = error.retryAfterMs;
    const headers = wait === undefined ? {} : { 'retry-after': String(Math.max(1, Math.ceil(wait / 1_000))) };
    return new ApiError(DOMAIN_STATUS[error.code], error.code, error.message, headers);
  }
  if (isEngineError(error)) {
    return new ApiError(503, error.code, error.message, { 'retry-after': String(ENGINE_RETRY_SECONDS[error.code]) });
  }
  const fastifyError = error as Partial<FastifyError> | undefined;
  if (fastifyError?.validation !== undefined) {
    return new ApiError(400, 'invalid_request', fastifyError.message ?? 'the request is not valid');
  }
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = FASTIFY_CODES[fastifyError?.code ?? ''] ?? (status === 400 ? 'invalid_json' : 'bad_request');
    return new ApiError(status, code, fastifyError?.message ?? 'bad request');
  }
  return undefined;
};

export const installErrorHandling = (app: FastifyInstance): void => {
  app.setErrorHandler((error, request, reply) => {
    const api = toApiError(error);
    if (api === undefined) {
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send({ error: 'internal_error', message: 'something went wrong on our side' });
    }
    if (api.statusCode >= 500) request.log.warn({ code: api.code }, api.message);
    return reply
      .code(api.statusCode)
      .headers(api.headers)
      .send({
        error: api.code,
        message: api.message,
        ...(api.errors !== undefined && { errors: api.errors }),
        ...(api.challenge !== undefined && { challenge: api.challenge }),
      } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
};

/**
 * What Node's HTTP parser refuses before Fastify sees a request (a request that took longer
 * than requestTimeoutMs, a malformed one, oversized headers), as a coded JSON reply where
 * the socket can still take one, then closed. A client's fault, logged at debug at most.
 */
export function answerClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'the request took too long to arrive']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'the request headers are too large']
        : [400, 'bad_request', 'the request could not be parsed'];
  this.log.debug({ code: error.code, status }, 'client error before routing');
  if (socket.writable) {
    const body = JSON.stringify({ error: code, message } satisfies ErrorBody);
    socket.write(
      `HTTP/1.1 ${status} ${code}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * An error on a live socket. A client's fault (an oversized or malformed frame: ws codes
 * them WS_ERR_…) is worth an info line without a stack, or anyone could fill the error
 * log; anything else is ours, logged as an error. Either way the socket is done.
 */
export const logSocketError = (error: Error & { code?: string }, socket: WebSocket, request: FastifyRequest): void => {
  if (typeof error.code === 'string' && error.code.startsWith('WS_ERR_')) {
    request.log.info({ code: error.code, reason: error.message }, 'live socket closed: the client sent a bad frame');
  } else {
    request.log.error({ err: error }, 'live socket failed');
  }
  socket.terminate();
};
