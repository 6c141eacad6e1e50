// Holds are not renewable, not even by releasing a slot and taking it straight back: a slot
// remembers whose holds on it ended lately (the session and the network), and `decide`
// refuses them the slot for a cool-down. The memory is part of the slot's state, folded
// from the log like everything else, so it survives restarts and binds every process.
//
// The machine and the read model's fold both keep it, through `endedHoldsAfter` here, and
// prune it only by the times in the events: replay gives the same list every time.

import type { TimeslotEvent } from './events.js';

export type EndedHold = {
  clientId: string;
  /** A keyed hash of the holder's network, when the hold was taken over HTTP. */
  network?: string;
  /** When the hold ended: released, or its deadline passed. */
  endedAt: number;
};

/** The longest cool-down there is (HOLD_COOLDOWN_SECONDS ≤ 3600): older entries are dropped. */
export const COOLDOWN_MEMORY_MS = 3_600_000;
/** A bound on memory per slot; reaching it needs that many distinct holders within the hour. */
const REMEMBERED = 16;

export const noEndedHolds: readonly EndedHold[] = Object.freeze([]);

/** The list after a hold by `holder` ended at `endedAt`. */
export const rememberEndedHold = (
  list: readonly EndedHold[],
  holder: { clientId: string; network?: string | undefined },
  endedAt: number,
): readonly EndedHold[] => {
  const kept = list.filter((e) => e.endedAt > endedAt - COOLDOWN_MEMORY_MS);
  kept.push({
    clientId: holder.clientId,
    ...(holder.network !== undefined && { network: holder.network }),
    endedAt,
  });
  return kept.length > REMEMBERED ? kept.slice(-REMEMBERED) : kept;
};

/**
 * Milliseconds until `clientId` (or anyone on `network`) may hold this slot again; 0 if
 * now. `lapsed` is a hold whose deadline has passed but whose expiry is not logged yet.
 */
export const cooldownLeft = (
  ended: readonly EndedHold[],
  lapsed: { clientId: string; network?: string | undefined; expiresAt: number } | null,
  who: { clientId: string; network?: string | undefined },
  now: number,
  cooldownMs: number,
): number => {
  if (cooldownMs <= 0) return 0;
  const same = (e: { clientId: string; network?: string | undefined }): boolean =>
    e.clientId === who.clientId || (who.network !== undefined && e.network === who.network);
  let until = 0;
  for (const e of ended) if (same(e)) until = Math.max(until, e.endedAt + cooldownMs);
  if (lapsed !== null && same(lapsed)) until = Math.max(until, lapsed.expiresAt + cooldownMs);
  return Math.max(0, until - now);
};

type Holder = { clientId: string; network?: string | undefined };

/**
 * The list after `event`, given the slot just before it: a client's own release, a deadline
 * passing (counted from the deadline, whenever the expiry was logged), or a booking the
 * client cancelled online (book under any name, cancel, reserve again would otherwise be a
 * hold of any length). What the salon ended (closing a slot, cancelling a booking) leaves
 * nothing. The one rule both the slot machine and the read model follow.
 */
export const endedHoldsAfter = (
  before: {
    hold: (Holder & { expiresAt: number }) | null;
    booking: Holder | null;
    endedHolds: readonly EndedHold[];
  },
  event: TimeslotEvent,
): readonly EndedHold[] => {
  const { hold, booking, endedHolds } = before;
  switch (event.type) {
    case 'ReservationCancelled':
      return event.data.by === 'client' && hold !== null
        ? rememberEndedHold(endedHolds, hold, Date.parse(event.data.cancelledAt))
        : endedHolds;
    case 'ReservationExpired':
      return hold === null ? endedHolds : rememberEndedHold(endedHolds, hold, hold.expiresAt);
    case 'BookingCancelled':
      return event.data.by === 'client' && booking !== null
        ? rememberEndedHold(endedHolds, booking, Date.parse(event.data.cancelledAt))
        : endedHolds;
    default:
      return endedHolds;
  }
};
