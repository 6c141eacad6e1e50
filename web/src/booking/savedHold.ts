import type { HoldView, PublicSlot } from '../shared/api.ts';

// A reload must not lose a hold (holds are not renewable: releasing on the way out would
// lock the client out of its own time). The live stream shows the hold's slots as ours but
// not what they were held for, so the reserve reply is kept in this tab's sessionStorage;
// without it (another tab, storage refused) the hold is rebuilt from the slots alone.

const KEY = 'holdfast-hold';

export type Held = { hold: HoldView; stylist: string };

export const saveHold = (held: Held | undefined): void => {
  try {
    if (held === undefined) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, JSON.stringify(held));
  } catch {
    // storage refused (private mode, quota): the fallback below still finds the hold
  }
};

const savedHold = (): Held | undefined => {
  try {
    const text = sessionStorage.getItem(KEY);
    return text === null ? undefined : (JSON.parse(text) as Held);
  } catch {
    return undefined;
  }
};

/**
 * The hold that `first` (a slot the stream shows as held by us) belongs to: the saved one
 * when it covers that slot with the same deadline, else the run of our held slots from it.
 */
export const resumeHold = (first: PublicSlot, slots: Map<string, PublicSlot>): Held => {
  const saved = savedHold();
  if (saved?.hold.slot_ids[0] === first.id && saved.hold.expires_at === first.expires_at) return saved;
  const ours = [...slots.values()]
    .filter(
      (s) => s.yours && s.status === 'reserved' && s.stylist === first.stylist && s.expires_at === first.expires_at,
    )
    .sort((a, b) => a.start_time.localeCompare(b.start_time));
  const run = [first];
  for (const s of ours) {
    const last = run[run.length - 1] as PublicSlot;
    if (s.start_time === last.end_time) run.push(s);
  }
  const last = run[run.length - 1] as PublicSlot;
  return {
    stylist: first.stylist,
    hold: {
      id: '',
      slot_ids: run.map((s) => s.id),
      start_time: first.start_time,
      end_time: last.end_time,
      expires_at: first.expires_at ?? new Date().toISOString(),
    },
  };
};
