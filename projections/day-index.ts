// Slots and bookings are looked up by time range; bucketing ids by UTC day keeps a range
// query proportional to the days asked for, not to the size of the schedule. A bucket is a
// Set (insertion-ordered): a busy day holds thousands of ids, and filing one must not
// scan them all — that scan once dominated rebuilding a 100k-slot log.

const DAY_MS = 86_400_000;

export type DayIndex = Map<number, Set<string>>;

const dayOf = (epochMs: number): number => Math.floor(epochMs / DAY_MS);

export const addToDayIndex = (index: DayIndex, epochMs: number, id: string): void => {
  const day = dayOf(epochMs);
  const ids = index.get(day);
  if (ids === undefined) index.set(day, new Set([id]));
  else ids.add(id);
};

export const removeFromDayIndex = (index: DayIndex, epochMs: number, id: string): void => {
  const day = dayOf(epochMs);
  const ids = index.get(day);
  ids?.delete(id);
  if (ids?.size === 0) index.delete(day);
};

/** Ids filed under the days overlapping [from, to). Callers filter exact bounds. */
export const idsBetween = (index: DayIndex, from: number, to: number): string[] => {
  const out: string[] = [];
  const first = dayOf(from);
  const last = dayOf(to - 1);
  if (last - first > index.size) {
    // A wide range over a sparse index: walk what exists instead of every calendar day.
    for (const [day, ids] of index) if (day >= first && day <= last) out.push(...ids);
    return out;
  }
  for (let day = first; day <= last; day += 1) {
    const ids = index.get(day);
    if (ids !== undefined) out.push(...ids);
  }
  return out;
};
