import { type Challenge, solveChallengeWorkers } from 'altcha-lib';

// When much of a day is held, the server asks for a proof of work before a new hold (an
// ALTCHA challenge, self-hosted: nothing leaves for a third party). The page solves it in
// Web Workers, one per core up to four, so the page stays responsive; at the threshold
// that is about a second on a phone, more only when most of the day is already held.

export const solveProofOfWork = async (challenge: Challenge): Promise<string> => {
  const solution = await solveChallengeWorkers({
    challenge,
    concurrency: Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)),
    createWorker: () => new Worker(new URL('./pow.worker.ts', import.meta.url), { type: 'module' }),
    timeout: 90_000,
  });
  if (solution === null) throw new Error('the check took too long');
  return btoa(JSON.stringify({ challenge, solution: { counter: solution.counter, derivedKey: solution.derivedKey } }));
};
