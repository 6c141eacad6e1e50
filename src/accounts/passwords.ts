import { hash, verify } from '@node-rs/argon2';
import { DomainError } from '../../machines/index.js';
import { EngineError } from '../engine/errors.js';

// Staff passwords: argon2id with OWASP's recommended minimum cost (19 MiB, 2 passes, one
// lane: ~50 ms here), a length floor, and a refusal of the passwords people pick most. A
// password or its hash is never logged: nothing here logs, and callers log account ids.

export const MIN_PASSWORD_LENGTH = 12;
// argon2 takes any length, but a megabyte-long "password" is a way to burn our CPU.
export const MAX_PASSWORD_LENGTH = 200;

// `algorithm: 2` is the package's Algorithm.Argon2id (a const enum, which our build cannot import).
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// Each hash takes ~50 ms of a core and 19 MiB: a flood of sign-ins must queue, not run all
// at once. Past the queue the answer is "busy" (retry shortly), never a hash skipped. A
// browser that has signed in to its account before (the caller says so: a device cookie)
// has a lane of its own at the front, so a flood of guesses, even at unknown emails from
// many addresses, does not keep the salon's own people out.
const AT_ONCE = 2;
const QUEUE = 64;
let running = 0;
const waiting: Array<() => void> = [];
const priority: Array<() => void> = [];

const gated = async <T>(work: () => Promise<T>, first = false): Promise<T> => {
  if (running >= AT_ONCE) {
    const line = first ? priority : waiting;
    if (line.length >= QUEUE) throw new EngineError('busy', 'too many sign-ins at once; try again shortly');
    await new Promise<void>((resolve) => line.push(resolve));
  } else running += 1;
  try {
    return await work();
  } finally {
    // The slot passes straight to the next in line, known browsers first.
    const next = priority.shift() ?? waiting.shift();
    if (next !== undefined) next();
    else running -= 1;
  }
};

export const hashPassword = (password: string): Promise<string> => gated(() => hash(password, OPTIONS));

/**
 * Whether `password` is the one `passwordHash` was made from (false for a damaged hash).
 * `known`: the attempt comes from a browser that has signed in to this account before.
 */
export const passwordMatches = (passwordHash: string, password: string, known = false): Promise<boolean> =>
  gated(async () => {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }, known);

// A sign-in for an email with no account still costs one verification, against this hash
// of a random password nobody kept, so how long the answer takes does not tell a guesser
// which emails have accounts. A constant: nothing to compute (or fail to) at run time.
const DECOY = '$argon2id$v=19$m=19456,t=2,p=1$BQaDD7+SgmHb+lg7AO9qsg$sK8ol8XwzN80T9Z1LARyA12JGhmKRA9jjkkO6SHaVpU';
export const spendAsMuchAsAVerification = async (password: string): Promise<void> => {
  await passwordMatches(DECOY, password);
};

// The most common passwords (the zxcvbn-ts list, ~49,000): imported on the first check, not
// at start (the module alone takes ~70 ms to load), since most starts never set a password.
let common: Promise<Set<string>> | undefined;
const isCommon = async (password: string): Promise<boolean> => {
  common ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase())),
  );
  return (await common).has(password.toLowerCase());
};

const weak = (message: string): never => {
  throw new DomainError('weak_password', message);
};

/** Refuses a password that is too short, too long, common, or the person's own email or name. */
export const checkPasswordRules = async (
  password: unknown,
  person: { email?: string | undefined; name?: string | undefined } = {},
): Promise<string> => {
  if (typeof password !== 'string') return weak('the password must be text');
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return weak(`use at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH) return weak(`use at most ${MAX_PASSWORD_LENGTH} characters`);
  if (await isCommon(password)) return weak('that password is one of the most common ones; choose another');
  if (new Set(password).size < 4) return weak('use more than a few different characters');
  const lower = password.toLowerCase();
  const own = [person.email, person.email?.split('@')[0], person.name].filter(
    (s): s is string => s !== undefined && s.length >= 4,
  );
  if (own.some((s) => lower.includes(s.toLowerCase()))) return weak('the password must not contain your email or name');
  return password;
};
