import { createHmac, timingSafeEqual } from 'node:crypto';

// The private token that, with a booking reference, lets a client view and cancel its
// booking from any device (the link in a confirmation). Derived, not stored: an HMAC of the
// reference under the server secret, so a retried booking gets the same token back and
// nothing secret is written into the event log.

const TOKEN_CHARS = 32;

export const createManageTokens = (secret: string) => {
  const issue = (reference: string): string =>
    createHmac('sha256', secret).update(`manage:${reference}`).digest('base64url').slice(0, TOKEN_CHARS);
  return {
    issue,
    verify: (reference: string, token: string | undefined): boolean => {
      if (token === undefined) return false;
      const given = Buffer.from(token);
      const expected = Buffer.from(issue(reference));
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
};

export type ManageTokens = ReturnType<typeof createManageTokens>;
