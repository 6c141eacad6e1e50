import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../random-pool.js';

// The secrets handed to people (session cookies, invite and reset links) are random tokens;
// the log keeps only their SHA-256, so reading the log (or a snapshot, or a backup) gives
// nobody a way in. A fast hash is right here: a 32-byte random token cannot be guessed.

export const newToken = (): string => randomToken(32);

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** A short random id for a session, link or account (shown in URLs and lists, never a secret). */
export const newId = (): string => randomToken(12);

const mac = (secret: string, text: string): Buffer => createHmac('sha256', secret).update(text).digest();

/** `text` with an HMAC under `secret`, for a token that must be checked without a lookup. */
export const signText = (secret: string, text: string): string => `${text}.${mac(secret, text).toString('base64url')}`;

/** The text of a token `signText` made under `secret`, or undefined if it was not. */
export const verifySigned = (secret: string, signed: string): string | undefined => {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const text = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1), 'base64url');
  const wanted = mac(secret, text);
  return given.length === wanted.length && timingSafeEqual(given, wanted) ? text : undefined;
};
