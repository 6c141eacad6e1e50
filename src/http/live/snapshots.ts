import type { ReadModels, SlotSummary } from '../../../projections/index.js';
import { slotsBetween } from '../../../projections/index.js';
import { parseRange } from '../time-range.js';

// A live snapshot is the biggest thing the server sends (~40 KB for a month), and every new
// socket and every resync asks for one. Most are the same bytes: the public view of the
// same window at the same log position, or the owner's. So each (audience, window) is
// serialized once per log position and shared, kept at most a second (a public view also
// turns with the clock: a hold lapses, a slot starts). Only a client with a hold or a
// booking in the window sees its own slots as its own, and gets a text of its own.

export type SnapshotQuery = { from?: string; to?: string; stylist?: string };
type Built = { position: number; at: number; slots: SlotSummary[]; text: string };

const KEEP_MS = 1_000;
const KEPT = 64;

export const createSnapshotTexts = (options: {
  models: ReadModels;
  zone: string;
  now: () => number;
  render: (slot: SlotSummary, now: number) => unknown;
}) => {
  const kept = new Map<string, Built>();

  const build = (query: SnapshotQuery, render: (slot: SlotSummary, now: number) => unknown): Built => {
    const now = options.now();
    const range = parseRange(query, options.zone, now); // throws invalid_range
    const slots = slotsBetween(options.models.availability, {
      ...range,
      ...(query.stylist !== undefined && { stylist: query.stylist }),
    });
    const text = JSON.stringify({
      type: 'snapshot',
      position: options.models.position,
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      timeslots: slots.map((s) => render(s, now)),
    });
    return { position: options.models.position, at: now, slots, text };
  };

  /** The shared text for an audience ('public', 'owner') and window. */
  const shared = (audience: string, query: SnapshotQuery, render = options.render): Built => {
    const key = `${audience}\u0000${query.from ?? ''}\u0000${query.to ?? ''}\u0000${query.stylist ?? ''}`;
    const hit = kept.get(key);
    if (hit !== undefined && hit.position === options.models.position && options.now() - hit.at < KEEP_MS) {
      return hit;
    }
    const built = build(query, render);
    if (kept.size >= KEPT) kept.delete(kept.keys().next().value ?? '');
    kept.delete(key);
    kept.set(key, built);
    return built;
  };

  return {
    shared: (audience: string, query: SnapshotQuery, render?: (slot: SlotSummary, now: number) => unknown) =>
      shared(audience, query, render).text,
    /** The public text, unless `viewer` holds or booked a slot in it: then one of its own. */
    forViewer: (
      query: SnapshotQuery,
      viewer: string | undefined,
      personal: (slot: SlotSummary, now: number) => unknown,
    ): string => {
      const common = shared('public', query);
      if (viewer === undefined) return common.text;
      const concerned = common.slots.some((s) => s.hold?.clientId === viewer || s.booking?.clientId === viewer);
      return concerned ? build(query, personal).text : common.text;
    },
  };
};
