import { normalizeIP } from '@fastify/rate-limit';
import { type Availability, holdIsLive, type SlotSummary } from '../../projections/index.js';
import type { Clock } from '../clock.js';
import type { CommandResult } from '../engine/engine.js';
import { ApiError } from './api-error.js';

// Holds per network, on top of holds per session: a hoarder can throw away cookies, not
// addresses. IPv6 clients are counted per /64, as one household or phone gets a whole /64.
// Counted against the read model, so a hold that lapsed or was booked frees its place.

/** Retry-After for a hold cap: whole seconds until the first of these holds lapses (at least 1). */
export const untilFirstLapse = (held: readonly SlotSummary[], now: number): Record<string, string> => {
  const soonest = Math.min(...held.map((slot) => slot.hold?.expiresAt ?? now));
  return { 'retry-after': String(Math.max(1, Math.ceil((soonest - now) / 1_000))) };
};

/** `max` 0 turns the cap off (one address for many clients: a benchmark, or a trusted kiosk network). */
export const createIpHoldLimit = (options: { max: number; availability: Availability; clock: Clock }) => {
  const holds = new Map<string, Map<string, string>>(); // ip → slotId → holdId
  const inFlight = new Map<string, number>();

  const liveHolds = (ip: string): Map<string, string> => {
    const mine = holds.get(ip) ?? new Map<string, string>();
    const now = options.clock.now();
    for (const [slotId, holdId] of mine) {
      const slot = options.availability.slots.get(slotId);
      if (slot === undefined || slot.hold?.holdId !== holdId || !holdIsLive(slot, now)) mine.delete(slotId);
    }
    if (mine.size === 0) holds.delete(ip);
    return mine;
  };

  const sweep = (): void => {
    for (const ip of [...holds.keys()]) liveHolds(ip);
  };

  return {
    /** Runs `reserve` unless this network already holds `max` slots; records the hold it got. */
    reserve: async (rawIp: string, slotId: string, reserve: () => Promise<CommandResult>): Promise<CommandResult> => {
      if (options.max === 0) return reserve();
      const ip = normalizeIP(rawIp, 64);
      const mine = liveHolds(ip);
      const pending = inFlight.get(ip) ?? 0;
      if (!mine.has(slotId) && mine.size + pending >= options.max) {
        const held = [...mine.keys()].flatMap((id) => options.availability.slots.get(id) ?? []);
        throw new ApiError(
          429,
          'too_many_holds_from_network',
          `your network already holds ${options.max} timeslots; book or release one first`,
          untilFirstLapse(held, options.clock.now()),
        );
      }
      inFlight.set(ip, pending + 1);
      try {
        const result = await reserve();
        if (result.slot.hold !== null) {
          if (holds.size > 10_000) sweep();
          holds.set(ip, liveHolds(ip).set(slotId, result.slot.hold.holdId));
        }
        return result;
      } finally {
        const left = (inFlight.get(ip) ?? 1) - 1;
        if (left === 0) inFlight.delete(ip);
        else inFlight.set(ip, left);
      }
    },
  };
};

export type IpHoldLimit = ReturnType<typeof createIpHoldLimit>;
