// Failures that are not the client's fault and not a domain rule: the HTTP layer answers
// 503 with Retry-After for these.

export type EngineErrorCode = 'busy' | 'log_unavailable' | 'not_ready' | 'shutting_down';

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
  }
}

export const isEngineError = (error: unknown): error is EngineError => error instanceof EngineError;
