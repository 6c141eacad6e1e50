import { createHmac } from 'node:crypto';
import { CappedMap, type Challenge, createChallenge, randomInt, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { HoldPressure } from '../../projections/index.js';
import { ApiError } from './api-error.js';

// Hoarding from many networks: no per-address rule stops a botnet, so once much of a
// stylist's day is held, each new hold costs a proof of work (ALTCHA, self-hosted: no third
// party sees anyone). The price rises with the pressure; an honest phone pays about a
// second at the threshold, a script holding the whole day pays for every slot, every hold.
//
// A challenge is signed, expires in two minutes, and is bound to one slot and one network
// (its data), so a solution cannot be spent on another slot or handed to another address;
// each is accepted once per process. (A replay at another process gains nothing: the slot
// is then held, or that network is in its cool-down.)

/** Expected SHA-256 rounds at the threshold: ~0.5 s for a phone's browser, ~0.15 s for Node. */
export const BASE_WORK = 60_000;
/** Doubles every this many percentage points above the threshold… */
const DOUBLING_POINTS = 10;
/** …up to this (~10 s on a phone: by then most of the day is held anyway). */
export const MAX_WORK = 2_000_000;
const EXPIRES_MS = 120_000;

export type ProofOfWork = ReturnType<typeof createProofOfWork>;

/** The work a new hold costs at this pressure, or undefined when it is free. */
export const workFor = (pressure: HoldPressure, percent: number): number | undefined => {
  if (percent <= 0 || pressure.bookable === 0) return undefined;
  const share = (pressure.held / pressure.bookable) * 100;
  if (share <= percent) return undefined;
  return Math.min(MAX_WORK, Math.round(BASE_WORK * 2 ** ((share - percent) / DOUBLING_POINTS)));
};

type Payload = { challenge: Challenge; solution: { counter: number; derivedKey: string } };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The payload's challenge and solution when they have the shape ALTCHA gives them, else undefined. */
const parse = (text: string): Payload | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
    if (!isObject(value) || !isObject(value.challenge) || !isObject(value.solution)) return undefined;
    const { parameters } = value.challenge;
    if (!isObject(parameters) || typeof parameters.nonce !== 'string') return undefined;
    if (parameters.data !== undefined && !isObject(parameters.data)) return undefined;
    return value as unknown as Payload;
  } catch {
    return undefined;
  }
};

export const createProofOfWork = (secret: string) => {
  const derive = (purpose: string) => createHmac('sha256', secret).update(`holdfast-altcha:${purpose}`).digest('hex');
  const signatureSecret = derive('signature');
  const keySecret = derive('key');
  const spent = new CappedMap<string, true>({ maxSize: 100_000 });

  /** A signed challenge for holding `slotId` from `network`, costing about `work` rounds. */
  const challenge = (slotId: string, network: string, work: number): Promise<Challenge> =>
    createChallenge({
      algorithm: 'SHA-256',
      cost: 1,
      // The solver counts up from 0 to the secret counter: on average ~3/4 of `work`.
      counter: randomInt(work, Math.ceil(work / 2)),
      deriveKey,
      hmacSignatureSecret: signatureSecret,
      hmacKeySignatureSecret: keySecret,
      expiresAt: new Date(Date.now() + EXPIRES_MS),
      data: { slot: slotId, network },
    });

  const refuse = async (
    status: 428 | 403,
    code: string,
    message: string,
    slotId: string,
    network: string,
    work: number,
  ): Promise<never> => {
    throw new ApiError(status, code, message, {}, undefined, {
      challenge: await challenge(slotId, network, work),
    });
  };

  return {
    challenge,
    /**
     * Resolves if `altcha` is a fresh, valid solution for this slot and network; otherwise
     * refuses with 428 challenge_required (none sent) or 403 challenge_failed, each with a
     * new challenge to solve.
     */
    require: async (altcha: string | undefined, slotId: string, network: string, work: number): Promise<void> => {
      if (altcha === undefined || altcha === '') {
        return refuse(
          428,
          'challenge_required',
          'many holds on this day right now: solve the proof-of-work challenge and send it as "altcha"',
          slotId,
          network,
          work,
        );
      }
      const payload = parse(altcha);
      const data = payload?.challenge.parameters.data;
      const nonce = payload?.challenge.parameters.nonce;
      const bound = data?.slot === slotId && data?.network === network && typeof nonce === 'string';
      const result =
        payload !== undefined && bound
          ? await verifySolution({
              challenge: payload.challenge,
              solution: payload.solution,
              deriveKey,
              hmacSignatureSecret: signatureSecret,
              hmacKeySignatureSecret: keySecret,
            }).catch(() => undefined)
          : undefined;
      // Marked spent only once verified, so a forged payload cannot fill the store.
      if (result?.verified === true && typeof nonce === 'string' && spent.setIfAbsent(nonce, true)) return;
      const why = result?.expired ? 'it expired' : result?.verified ? 'it was already used' : 'it is not valid here';
      return refuse(
        403,
        'challenge_failed',
        `that proof of work was refused (${why}): solve this one`,
        slotId,
        network,
        work,
      );
    },
  };
};
