import type { FastifyError, FastifyInstance } from 'fastify';
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
  no_hold: 400,
  not_your_hold: 400,
  hold_expired: 400,
  invalid_customer: 400,
  not_closed: 409,
  not_booked: 409,
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

export type ErrorBody = { error: string; message: string; errors?: ItemError[] };

export const toApiError = (error: unknown): ApiError | undefined => {
  if (error instanceof ApiError) return error;
  if (isDomainError(error)) return new ApiError(DOMAIN_STATUS[error.code], error.code, error.message);
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
      } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
};
