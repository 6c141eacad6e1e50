import type { Challenge } from 'altcha-lib';
import { type ApiFailure, api, type HoldView, type PublicSlot } from '../shared/api.ts';
import { solveProofOfWork } from '../shared/proof-of-work.ts';

// Holding a time: the request, the proof of work the server may ask for, and what to tell
// the client when it is refused.

export type ReserveReply = { timeslot: PublicSlot; expires_at: string; hold: HoldView };

const minutes = (seconds: number): string => {
  const m = Math.ceil(seconds / 60);
  return m <= 1 ? 'a minute' : `${m} minutes`;
};

/** What to tell a client whose hold was refused, in the page's words. */
export const refusalText = (failure: ApiFailure): string => {
  if (failure.status === 409 && failure.code === 'slot_taken') {
    return 'Sorry — someone else just took that time. Here is what is still free.';
  }
  if (failure.code === 'service_does_not_fit') {
    return 'Sorry — that time no longer fits this service. Here is what is still free.';
  }
  if (failure.code === 'service_retired' || failure.code === 'service_not_found') {
    return 'Sorry — the salon no longer offers that service online. Please pick another.';
  }
  if (failure.code === 'too_many_holds' || failure.code === 'too_many_holds_from_network') {
    return 'You are already holding as many times as you can. Confirm or release one first.';
  }
  if (failure.code === 'hold_cooldown') {
    const wait = failure.retryAfter === undefined ? '' : `, or this one again in ${minutes(failure.retryAfter)}`;
    return `That time was held from this connection a moment ago, and holds cannot be renewed. Please pick another time${wait}.`;
  }
  return failure.message;
};

/**
 * Reserves the run from `slotId` that `service` needs, solving a proof of work when the
 * server asks for one (much of the day is held). A challenge that failed (it expired while
 * a slow phone worked) comes with a new one.
 */
export const reserveWithProof = async (
  slotId: string,
  service: string,
  onSolving: () => void,
): Promise<ReserveReply> => {
  let altcha: string | undefined;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api<ReserveReply>('POST', `/api/timeslots/${slotId}/reserve`, {
        service,
        ...(altcha && { altcha }),
      });
    } catch (error) {
      const failure = error as ApiFailure;
      const challenge = failure.body?.challenge as Challenge | undefined;
      const asked = failure.code === 'challenge_required' || failure.code === 'challenge_failed';
      if (!asked || challenge === undefined || attempt >= 2) throw error;
      onSolving();
      altcha = await solveProofOfWork(challenge);
    }
  }
};
