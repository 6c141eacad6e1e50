import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

// The API token (`Authorization: Bearer <OWNER_TOKEN>`, automation). Both sides are hashed first
// so the comparison takes the same time whatever the length or content of a guess.

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export const tokenMatches = (expected: string, presented: string | undefined): boolean =>
  presented !== undefined && timingSafeEqual(digest(expected), digest(presented));

export const bearerOf = (header: string | undefined): string | undefined => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
};

type FailureCheck = (
  request: FastifyRequest,
  options?: { increment?: boolean },
) => Promise<{ isAllowed: boolean; isExceeded?: boolean; remaining?: number }>;

/**
 * Wrong owner-token guesses, counted per IP over every way in (the owner API and the
 * owner's live socket share one count), when rate limiting is on.
 */
export const createOwnerGuessLimit = (limitFailures?: FailureCheck) => ({
  /** Throws 429 once this IP has no tries left; looking does not count as a try. */
  check: async (request: FastifyRequest): Promise<void> => {
    if (limitFailures === undefined) return;
    const status = await limitFailures(request, { increment: false });
    // Peeking does not count, so "no tries left" is the limit, not "over it".
    if (!status.isAllowed && (status.isExceeded === true || status.remaining === 0)) {
      throw new ApiError(429, 'rate_limited', 'too many failed owner logins; try again later', {
        'retry-after': '60',
      });
    }
  },
  /** Counts a wrong guess. */
  failed: async (request: FastifyRequest): Promise<void> => {
    if (limitFailures !== undefined) await limitFailures(request);
  },
});

export type OwnerGuessLimit = ReturnType<typeof createOwnerGuessLimit>;
