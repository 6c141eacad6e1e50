import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The owner token and the session-signing secret. Taken from the environment when set;
// otherwise generated once and kept in DATA_DIR (mode 0600) so they survive restarts and
// every process sharing that directory agrees on them.

export type Secrets = {
  ownerToken: string;
  sessionSecret: string;
  /** Where a generated owner token lives, when this start created it (print it once). */
  generatedOwnerTokenFile?: string;
};

/**
 * Reads `file`, or creates it with a fresh value. The value is written to a private temp
 * file first and then hard-linked into place, which fails if the file exists: processes
 * starting together (replicas sharing a volume) all end up with the one complete value.
 */
const keptIn = (file: string, bytes: number): { value: string; created: boolean } => {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const value = randomBytes(bytes).toString('base64url');
    writeFileSync(temp, `${value}\n`, { flag: 'wx', mode: 0o600 });
    linkSync(temp, file);
    return { value, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const value = readFileSync(file, 'utf8').trim();
    if (value.length < 32) throw new Error(`${file} is damaged (too short); delete it to generate a new one`);
    return { value, created: false };
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // never written (the directory refused it): nothing to tidy
    }
  }
};

export const loadSecrets = (
  dataDir: string,
  env: { ownerToken: string | undefined; sessionSecret: string | undefined },
): Secrets => {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const sessionSecret = env.sessionSecret ?? keptIn(join(dataDir, 'session-secret'), 32).value;
  if (env.ownerToken !== undefined) return { ownerToken: env.ownerToken, sessionSecret };
  const file = join(dataDir, 'owner-token');
  const owner = keptIn(file, 24);
  return { ownerToken: owner.value, sessionSecret, ...(owner.created && { generatedOwnerTokenFile: file }) };
};
