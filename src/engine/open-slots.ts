import {
  DomainError,
  decide,
  initialSlotState,
  isSlotId,
  type SlotCommand,
  slotIdFor,
  stylistSlug,
} from '../../machines/index.js';
import { type Availability, overlapping } from '../../projections/index.js';

// Opening slots in bulk (a week's schedule at once). Per stylist, the batch is checked for
// overlaps — within itself and against slots already open — inside that stylist's mailbox,
// so two concurrent batches cannot both pass the check; the accepted opens then run
// concurrently and share group commits.

export type OpenSlotInput = { stylist: string; startsAt: number; endsAt: number };
export type OpenOutcome<R> = { ok: true; result: R } | { ok: false; error: unknown };

const badStylist = () => new DomainError('invalid_slot', 'stylist must be a name with a letter or digit');

/** Input indexes grouped by stylist slug; inputs with no usable stylist get an error instead. */
const groupByStylist = (inputs: readonly OpenSlotInput[], errors: Map<number, unknown>): Map<string, number[]> => {
  const byStylist = new Map<string, number[]>();
  inputs.forEach((input, i) => {
    if (!isSlotId(slotIdFor(input.stylist, input.startsAt))) {
      errors.set(i, badStylist());
      return;
    }
    const key = stylistSlug(input.stylist);
    byStylist.set(key, [...(byStylist.get(key) ?? []), i]);
  });
  return byStylist;
};

/** One stylist's inputs that overlap an open slot or an earlier input: index → error. */
const overlapsOf = (
  inputs: readonly OpenSlotInput[],
  indexes: readonly number[],
  availability: Availability,
  errors: Map<number, unknown>,
): number[] => {
  const accepted: Array<{ i: number; startsAt: number; endsAt: number }> = [];
  const byStart = [...indexes].sort((a, b) => (inputs[a]?.startsAt ?? 0) - (inputs[b]?.startsAt ?? 0));
  for (const i of byStart) {
    const { stylist: name, startsAt, endsAt } = inputs[i] as OpenSlotInput;
    const existing = overlapping(availability, name, startsAt, endsAt, slotIdFor(name, startsAt))[0];
    const sibling = accepted.find((a) => a.startsAt < endsAt && startsAt < a.endsAt && a.startsAt !== startsAt);
    if (existing !== undefined || sibling !== undefined) {
      const what = existing?.slotId ?? 'another slot in this request';
      errors.set(i, new DomainError('slot_overlaps', `overlaps ${what} for the same stylist`));
    } else accepted.push({ i, startsAt, endsAt });
  }
  return accepted.map((a) => a.i);
};

/**
 * Every reason the batch would be refused, without writing anything: an owner's request
 * either opens all its slots or none (a race with another writer is still caught per slot
 * when the batch runs). Index → error; empty when the whole batch is acceptable.
 */
export const precheckOpen = (
  inputs: readonly OpenSlotInput[],
  availability: Availability,
  now: number,
): Map<number, unknown> => {
  const errors = new Map<number, unknown>();
  for (const indexes of groupByStylist(inputs, errors).values()) overlapsOf(inputs, indexes, availability, errors);
  inputs.forEach((input, i) => {
    if (errors.has(i)) return;
    const slotId = slotIdFor(input.stylist, input.startsAt);
    const open = availability.slots.get(slotId);
    const state =
      open === undefined
        ? initialSlotState
        : {
            ...initialSlotState,
            status: 'available' as const,
            slot: { slotId, stylist: open.stylist, startsAt: open.startsAt, endsAt: open.endsAt },
          };
    try {
      decide(state, { type: 'open', slotId, ...input }, { now, holdMs: 0 });
    } catch (error) {
      errors.set(i, error);
    }
  });
  return errors;
};

export const openSlots = async <R>(
  inputs: readonly OpenSlotInput[],
  deps: {
    availability: Availability;
    runForStylist: (stylist: string, task: () => Promise<void>) => Promise<void>;
    execute: (slotId: string, command: SlotCommand) => Promise<R>;
  },
): Promise<OpenOutcome<R>[]> => {
  const outcomes: OpenOutcome<R>[] = new Array(inputs.length);
  const errors = new Map<number, unknown>();
  const byStylist = groupByStylist(inputs, errors);

  const openOne = async (i: number): Promise<void> => {
    const input = inputs[i] as OpenSlotInput;
    const slotId = slotIdFor(input.stylist, input.startsAt);
    outcomes[i] = await deps.execute(slotId, { type: 'open', slotId, ...input }).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  };

  await Promise.all(
    [...byStylist].map(([stylist, indexes]) =>
      deps.runForStylist(stylist, async () => {
        const accepted = overlapsOf(inputs, indexes, deps.availability, errors);
        await Promise.all(accepted.map(openOne));
      }),
    ),
  );
  for (const [i, error] of errors) outcomes[i] = { ok: false, error };
  return outcomes;
};
