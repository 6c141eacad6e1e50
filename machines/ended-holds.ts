// Holds are not renewable, not even by releasing a slot and taking it straight back: a slot
// remembers whose holds on it ended lately (the session and the network), and `decide`
// refuses them the slot for a cool-down. The memory is part of the slot's state, folded
// from the log like everything else, so it survives restarts and binds every process.
//
// The machine and the read model's fold both keep it, through the one function here, and
// prune it only by the times in the events: replay gives the same list every time.

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
