import { DomainError } from './errors.js';
import type { Customer } from './events.js';
import { unprintable, withoutBidiControls } from './plain-text.js';

// A booking needs a name and a way to reach the client. Validation is deliberately
// permissive about formatting (salons take numbers as people type them) and strict
// about what would make the booking useless.

const NAME_MAX = 100;
const EMAIL_MAX = 254;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE_CHARS = /^\+?[0-9 ().-]+$/;

/** The field as kept: trimmed, runs of whitespace as one space, no bidi controls; refused if unprintable. */
const clean = (value: unknown, field: string): string | undefined => {
  if (typeof value !== 'string') return undefined;
  const text = withoutBidiControls(value).trim().replace(/\s+/g, ' ');
  if (text === '') return undefined;
  const problem = unprintable(text);
  if (problem !== undefined) throw new DomainError('invalid_customer', `customer.${field} ${problem}`);
  return text;
};

/** Returns the normalised customer or throws `invalid_customer` saying what is wrong. */
export const validateCustomer = (input: unknown): Customer => {
  if (typeof input !== 'object' || input === null) {
    throw new DomainError('invalid_customer', 'customer must be an object with a name and a phone or email');
  }
  const raw = input as Record<string, unknown>;
  const name = clean(raw.name, 'name');
  if (name === undefined || name.length > NAME_MAX) {
    throw new DomainError('invalid_customer', `customer.name is required (1–${NAME_MAX} characters)`);
  }
  // A name someone can read back: zero-width spaces alone, or only punctuation, are not one.
  if (!/[\p{L}\p{N}]/u.test(name)) {
    throw new DomainError('invalid_customer', 'customer.name needs at least one letter or digit');
  }
  const phone = clean(raw.phone, 'phone');
  const email = clean(raw.email, 'email')?.toLowerCase();
  if (phone === undefined && email === undefined) {
    throw new DomainError('invalid_customer', 'customer needs a phone or an email');
  }
  if (phone !== undefined) {
    const digits = phone.replace(/\D/g, '').length;
    if (!PHONE_CHARS.test(phone) || digits < 7 || digits > 15) {
      throw new DomainError('invalid_customer', 'customer.phone must have 7–15 digits');
    }
  }
  if (email !== undefined && (email.length > EMAIL_MAX || !EMAIL.test(email))) {
    throw new DomainError('invalid_customer', 'customer.email is not a valid address');
  }
  return { name, ...(phone !== undefined && { phone }), ...(email !== undefined && { email }) };
};
