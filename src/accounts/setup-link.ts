import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signText, verifySigned } from './tokens.js';

// The first owner's way in. While the salon has no account, each start prints a link that
// lets whoever opens it within the hour choose the owner's email and password. The token is
// signed with the session secret (every process sharing DATA_DIR or SESSION_SECRET can check
// it, none has to remember it) and says when it runs out; it works once because setting up
// is refused as soon as the log holds an account. The link is also written to
// DATA_DIR/owner-setup-link (private), for an operator who missed the console.

export const SETUP_LINK_FILE = 'owner-setup-link';
export const SETUP_LINK_MS = 3_600_000;
const PREFIX = 'setup-';

export const setupToken = (secret: string, now: number): string => signText(secret, `${PREFIX}${now + SETUP_LINK_MS}`);

/** Whether `token` is a setup token this salon signed that has not run out. */
export const setupTokenIsValid = (secret: string, token: string, now: number): boolean => {
  const text = verifySigned(secret, token);
  if (text === undefined || !text.startsWith(PREFIX)) return false;
  const expiresAt = Number(text.slice(PREFIX.length));
  return Number.isFinite(expiresAt) && expiresAt > now;
};

export const setupUrl = (baseUrl: string, token: string): string =>
  `${baseUrl.replace(/\/$/, '')}/owner/setup?token=${encodeURIComponent(token)}`;

/** Keeps the link in DATA_DIR (mode 0600), or removes a stale one once the salon has an owner. */
export const keepSetupLink = (dataDir: string, url: string | undefined): void => {
  const file = join(dataDir, SETUP_LINK_FILE);
  rmSync(file, { force: true }); // a fresh file, so it is created private whatever was there
  if (url !== undefined) writeFileSync(file, `${url}\n`, { mode: 0o600, flag: 'wx' });
};
