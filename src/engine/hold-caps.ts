import { DomainError } from '../../machines/index.js';
import { type Availability, liveHoldsOf, liveHoldsOfNetwork, type SlotSummary } from '../../projections/index.js';

// How many holds (appointments) one session, and one network, may have at once. Counted from the read
// model, which follows the log (so a restart and every process on a shared log count the
// same holds), plus the reserves this process has in flight that the read model cannot
// show yet. In flight is counted per slot: a client asking for one slot three times at
// once is asking for one hold, and must not be told it has too many.

export type HoldCaps = ReturnType<typeof createHoldCaps>;

/** Until the first of these holds lapses (at least a second: an in-flight reserve settles soon). */
export const untilFirstLapse = (held: readonly SlotSummary[], now: number): number => {
  let soonest = Number.POSITIVE_INFINITY;
  for (const slot of held) soonest = Math.min(soonest, slot.hold?.expiresAt ?? now);
  return Number.isFinite(soonest) ? Math.max(1_000, soonest - now) : 1_000;
};

export const createHoldCaps = (options: {
  availability: Availability;
  /** Live holds per session. */
  perClient: number;
  /** Live holds per network (IPv4 address, IPv6 /64); 0: no per-network cap. */
  perNetwork: number;
}) => {
  const inFlight = new Map<string, Map<string, number>>(); // owner key → slotId → requests

  const count = (key: string, slotId: string, by: 1 | -1): void => {
    const slots = inFlight.get(key) ?? new Map<string, number>();
    const n = (slots.get(slotId) ?? 0) + by;
    if (n > 0) slots.set(slotId, n);
    else slots.delete(slotId);
    if (slots.size > 0) inFlight.set(key, slots);
    else inFlight.delete(key);
  };

  const refuseBeyond = (key: string, held: SlotSummary[], slotId: string, max: number, now: number) => {
    // Holds, not slots: an appointment's slots count once, under its first slot (the id a
    // reserve of it names, so a repeat of that reserve is still "asking again").
    const slots = new Set(held.map((s) => s.hold?.appointment?.slotIds[0] ?? s.slotId));
    for (const id of inFlight.get(key)?.keys() ?? []) slots.add(id);
    if (slots.has(slotId) || slots.size < max) return undefined;
    return untilFirstLapse(held, now);
  };

  return {
    /**
     * Refuses a new hold on `slotId` beyond a cap; otherwise counts it in flight until the
     * returned function is called (once the hold is in the read model, or refused).
     */
    enter: (slotId: string, clientId: string, network: string | undefined, now: number): (() => void) => {
      const { availability, perClient, perNetwork } = options;
      const client = `c:${clientId}`;
      const clientWait = refuseBeyond(client, liveHoldsOf(availability, clientId, now), slotId, perClient, now);
      if (clientWait !== undefined) {
        throw new DomainError(
          'too_many_holds',
          `you can hold at most ${perClient} timeslots at once; book or release one first`,
          clientWait,
        );
      }
      const net = network !== undefined && perNetwork > 0 ? `n:${network}` : undefined;
      if (net !== undefined && network !== undefined) {
        const held = liveHoldsOfNetwork(availability, network, now);
        const netWait = refuseBeyond(net, held, slotId, perNetwork, now);
        if (netWait !== undefined) {
          throw new DomainError(
            'too_many_holds_from_network',
            `your network already holds ${perNetwork} timeslots; book or release one first`,
            netWait,
          );
        }
      }
      count(client, slotId, 1);
      if (net !== undefined) count(net, slotId, 1);
      let left = false;
      return () => {
        if (left) return;
        left = true;
        count(client, slotId, -1);
        if (net !== undefined) count(net, slotId, -1);
      };
    },
  };
};
