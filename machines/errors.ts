// Every rejection the domain can give, as a machine-readable code. The HTTP layer maps
// codes to status codes in one place; nothing here knows about HTTP.

export type DomainErrorCode =
  | 'slot_not_found'
  | 'slot_taken'
  | 'slot_closed'
  | 'slot_booked'
  | 'slot_in_past'
  | 'slot_exists'
  | 'slot_overlaps'
  | 'invalid_slot'
  | 'too_many_holds'
  | 'too_many_holds_from_network'
  | 'hold_cooldown'
  | 'no_hold'
  | 'not_your_hold'
  | 'hold_expired'
  | 'invalid_customer'
  | 'not_closed'
  | 'not_booked'
  | 'invalid_service'
  | 'service_exists'
  | 'service_not_found'
  | 'service_retired'
  | 'service_does_not_fit'
  | 'appointment_not_whole'
  | 'invalid_account'
  | 'already_set_up'
  | 'email_taken'
  | 'stylist_taken'
  | 'link_invalid'
  | 'account_not_found'
  | 'account_inactive'
  | 'last_owner'
  | 'weak_password';

/**
 * An error that is an answer, not a bug ("slot taken", "no hold", an HTTP 4xx): nobody reads
 * its stack. Under a stampede on one slot thousands are built a second, and capturing their
 * stacks was a tenth of each refused request's CPU when profiled.
 */
export class Refusal extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

export class DomainError extends Refusal {
  readonly code: DomainErrorCode;
  /** For a refusal that lifts by itself (a cap, a cool-down): how long until it does. */
  readonly retryAfterMs: number | undefined;
  constructor(code: DomainErrorCode, message: string, retryAfterMs?: number) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
