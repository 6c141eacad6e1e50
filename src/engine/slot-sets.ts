import { isSlotId, NeedsSlots } from '../../machines/index.js';
import type { Availability } from '../../projections/index.js';
import type { Decider } from './command-cycle.js';
import type { CommandMeta, CommandResult } from './engine.js';
import { EngineError } from './errors.js';
import type { Mailboxes } from './mailbox.js';

// Which slots a command covers, and running it over all of them. A command on one slot of
// an appointment covers every slot of it; which those are is known for sure only once the
// slots' own state is read, so the read model gives a first guess and a decision that finds
// it needs more slots (NeedsSlots) is run again over the larger set.

export const createSlotSets = (deps: {
  availability: Availability;
  mailboxes: Mailboxes;
  handle(target: string, slotIds: readonly string[], decideAll: Decider, meta: CommandMeta): Promise<CommandResult>;
  refuseUnlessRunning(): void;
}) => {
  const { availability, mailboxes, handle } = deps;

  /** The slots a command on `slotId` will cover, as the read model knows them (a first guess). */
  const coveredGuess = (slotId: string): readonly string[] => {
    const summary = availability.slots.get(slotId);
    return summary?.hold?.appointment?.slotIds ?? summary?.booking?.appointment?.slotIds ?? [slotId];
  };

  /** The slots a hold on this run may end besides the run: the siblings of lapsed holds on it. */
  const reserveGuess = (slotIds: readonly string[]): readonly string[] => {
    const [only] = slotIds;
    if (slotIds.length === 1 && only !== undefined && coveredGuess(only).length === 1) return slotIds; // the usual
    const all = new Set(slotIds);
    for (const id of slotIds) for (const sibling of coveredGuess(id)) all.add(sibling);
    return [...all];
  };

  /**
   * Runs a decision over a set of slots inside all their mailboxes. When the decision finds
   * it needs more slots (an appointment the read model did not show yet), enters those too
   * and decides again.
   */
  const executeOver = (
    target: string,
    guess: readonly string[],
    decideAll: Decider,
    meta: CommandMeta,
    grown = 0,
  ): Promise<CommandResult> => {
    try {
      deps.refuseUnlessRunning();
    } catch (error) {
      return Promise.reject(error);
    }
    const ids = guess.includes(target) ? guess : [target, ...guess];
    // No async wrapper on the way: this runs for every command, and a promise layer less
    // showed in the single-slot A/B.
    return mailboxes
      .runAll(ids, () => handle(target, ids, decideAll, meta))
      .catch((error: unknown) => {
        if (!(error instanceof NeedsSlots)) throw error;
        if (grown >= 3 || !error.slotIds.every(isSlotId)) {
          throw new EngineError('busy', 'this appointment is changing fast, try again', { cause: error });
        }
        return executeOver(target, [...new Set([...ids, ...error.slotIds])], decideAll, meta, grown + 1);
      });
  };

  return { coveredGuess, reserveGuess, executeOver };
};
