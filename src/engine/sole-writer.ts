import type { SlotState } from '../../machines/index.js';
import { type Availability, writeStateOf } from '../../projections/index.js';
import type { EventLog } from '../eventlog/port.js';

// While no other writer has committed since start-up (the log's foreign-write mark has not
// moved), every fact in the log went through this process, so its actors and read models
// are the whole truth: a cold slot's actor can be restored from its read-model summary
// instead of a stream read (an unknown id is then "no such slot" without touching the log),
// and a refusal from a warm actor needs no look at the stream's head. The first foreign
// commit (a second process on the same SQLite file) ends this for the life of the process:
// from then on actors come from their streams and refusals check the head.
//
// Under load the mark's read (a pragma) showed in profiles, once per command. One read
// answers for every command whose request was received before it started: any commit that
// had finished when such a request arrived had finished before the read, so the answer is
// still one the log allowed at that moment. Commands without a receipt time always read.

export type SoleWriter = ReturnType<typeof createSoleWriter>;

export const createSoleWriter = (log: Pick<EventLog, 'foreignWriteMark'>, availability: Availability) => {
  let mark: number | undefined;
  /** Slots whose last append failed in doubt: their next actor comes from the log itself. */
  const reloadFromLog = new Set<string>();
  let readAt = Number.NEGATIVE_INFINITY;
  let wasAlone = false;
  let moved = false;
  /** `receivedAt`: when the command's request was received (`performance.now()`), if known. */
  const alone = (receivedAt?: number): boolean => {
    if (mark === undefined || moved) return false; // a mark that moved never comes back
    if (receivedAt !== undefined && receivedAt <= readAt) return wasAlone;
    const startedAt = performance.now();
    wasAlone = log.foreignWriteMark?.() === mark;
    moved = !wasAlone;
    readAt = startedAt;
    return wasAlone;
  };
  return {
    /** Takes the mark; call before the start-up replay reads anything. */
    begin: (): void => {
      mark = log.foreignWriteMark?.();
    },
    alone,
    /** What a cold slot's actor may be restored from, or undefined: read its stream. */
    knownState: (slotId: string, receivedAt?: number): { state: SlotState; revision: number } | undefined =>
      alone(receivedAt) && !reloadFromLog.has(slotId) ? writeStateOf(availability.slots.get(slotId)) : undefined,
    distrust: (slotId: string): void => void reloadFromLog.add(slotId),
    /** Whether the slot's last append failed in doubt (its actor and summary may miss an event). */
    inDoubt: (slotId: string): boolean => reloadFromLog.has(slotId),
    loaded: (slotId: string): void => void reloadFromLog.delete(slotId),
  };
};
