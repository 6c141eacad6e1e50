import { Refusal } from '../../machines/index.js';

// An HTTP-level refusal with its own code (the domain's and engine's codes are mapped in
// errors.ts). Thrown from routes and hooks; rendered as {error, message[, errors]}.

export type ItemError = { index: number; error: string; message: string };

export class ApiError extends Refusal {
  readonly statusCode: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  /** Per-item reasons when a batch is refused as a whole. */
  readonly errors: ItemError[] | undefined;
  /** What the client needs to try again (a proof-of-work challenge). */
  readonly challenge: unknown;
  constructor(
    statusCode: number,
    code: string,
    message: string,
    headers: Record<string, string> = {},
    errors?: ItemError[],
    more: { challenge?: unknown } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
    this.errors = errors;
    this.challenge = more.challenge;
  }
}
