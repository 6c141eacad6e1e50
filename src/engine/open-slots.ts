import { DomainError, isSlotId, type SlotCommand, slotIdFor, stylistSlug } from '../../machines/index.js';
import { type Availability, overlapping } from '../../projections/index.js';

// Opening slots in bulk (a week's schedule at once). Per stylist, the batch is checked for
// overlaps — within itself and against slots already open — inside that stylist's mailbox,
// so two concurrent batches cannot both pass the check; the accepted opens then run
// concurrently and share group commits.

export type OpenSlotInput = { stylist: string; startsAt: number; endsAt: number };
export type OpenOutcome<R> = { ok: true; result: R } | { ok: false; error: unknown };

export const openSlots = async <R>(
  inputs: readonly OpenSlotInput[],
  deps: {
    availability: Availability;
    runForStylist: (stylist: string, task: () => Promise<void>) => Promise<void>;
    execute: (slotId: string, command: SlotCommand) => Promise<R>;
  },
): Promise<OpenOutcome<R>[]> => {
  const outcomes: OpenOutcome<R>[] = new Array(inputs.length);
  const byStylist = new Map<string, number[]>();
  inputs.forEach((input, i) => {
    if (!isSlotId(slotIdFor(input.stylist, input.startsAt))) {
      outcomes[i] = {
        ok: false,
        error: new DomainError('invalid_slot', 'stylist must be a name with a letter or digit'),
      };
      return;
    }
    const key = stylistSlug(input.stylist);
    byStylist.set(key, [...(byStylist.get(key) ?? []), i]);
  });

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
        const accepted: Array<{ i: number; startsAt: number; endsAt: number }> = [];
        const byStart = [...indexes].sort((a, b) => (inputs[a]?.startsAt ?? 0) - (inputs[b]?.startsAt ?? 0));
        for (const i of byStart) {
          const { stylist: name, startsAt, endsAt } = inputs[i] as OpenSlotInput;
          const existing = overlapping(deps.availability, name, startsAt, endsAt, slotIdFor(name, startsAt))[0];
          const sibling = accepted.find((a) => a.startsAt < endsAt && startsAt < a.endsAt && a.startsAt !== startsAt);
          if (existing !== undefined || sibling !== undefined) {
            const what = existing?.slotId ?? 'another slot in this request';
            outcomes[i] = {
              ok: false,
              error: new DomainError('slot_overlaps', `overlaps ${what} for the same stylist`),
            };
          } else accepted.push({ i, startsAt, endsAt });
        }
        await Promise.all(accepted.map(({ i }) => openOne(i)));
      }),
    ),
  );
  return outcomes;
};
