import { useEffect, useMemo, useRef, useState } from 'react';
import type { ApiFailure, PublicSlot, Service, StartOption } from '../shared/api.ts';
import { api } from '../shared/api.ts';
import { dayOf } from '../shared/time.ts';

// Where the chosen service can start on the shown day. The server decides (GET
// /api/timeslots?service=): it knows the rule for a run of slots, the page does not repeat
// it. The live stream keeps the list right: a pushed change to any slot of the day
// refetches it (debounced, so the slots of one appointment or a burst of holds cost one
// request), and meanwhile an option any of whose slots the stream shows taken is hidden at
// once — a time someone else just held never lingers on screen for a round trip.
// A booking made without a service (one plain slot) moves to a free slot of the same length:
// for it the page passes a service with an empty id, and the options are plain slots.

const DEBOUNCE_MS = 150;

export type StartOptions = {
  options: StartOption[];
  /** False until the first answer for this service, day and stylist. */
  loaded: boolean;
};

export const useStartOptions = ({
  service,
  day,
  stylist,
  zone,
  slots,
}: {
  service: Service | undefined;
  day: string | undefined;
  /** A stylist's name, or 'any'. */
  stylist: string;
  zone: string;
  /** The live slots (public view). */
  slots: Map<string, PublicSlot>;
}): StartOptions => {
  const [fetched, setFetched] = useState<{ key: string; options: StartOption[] }>();
  const key = service && day ? `${service.id}|${day}|${stylist}` : '';

  // What the stream says about the day: any new version of one of its slots changes this.
  const signature = useMemo(() => {
    if (!service || !day) return '';
    const parts: string[] = [];
    for (const s of slots.values()) {
      if (dayOf(s.start_time, zone) !== day || !service.stylists.includes(s.stylist)) continue;
      if (stylist !== 'any' && s.stylist !== stylist) continue;
      parts.push(`${s.id}:${s.version}`);
    }
    return parts.sort().join(',');
  }, [slots, service, day, stylist, zone]);

  // Answers can cross on the wire: only the latest request's may land.
  const latest = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new signature is the refetch trigger
  useEffect(() => {
    if (!service || !day) return;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const load = (): void => {
      const ask = ++latest.current;
      const query = new URLSearchParams({ date: day });
      if (service.id !== '') query.set('service', service.id);
      if (stylist !== 'any') query.set('stylist', stylist);
      api<StartOption[]>('GET', `/api/timeslots?${query}`)
        .then((answer) => (service.id === '' ? sameLength(answer, service.duration_minutes) : answer))
        .then(
          (options) => {
            if (ask === latest.current) setFetched({ key, options });
          },
          (failure: ApiFailure) => {
            // Keep what is shown (the stream still hides what gets taken) and ask again soon.
            if (ask === latest.current) retry = setTimeout(load, (failure.retryAfter ?? 2) * 1_000);
          },
        );
    };
    const timer = setTimeout(load, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      clearTimeout(retry);
    };
  }, [key, signature]);

  const options = useMemo(() => {
    if (fetched === undefined || fetched.key !== key) return [];
    return fetched.options.filter((o) =>
      o.slot_ids.every((id) => {
        const now = slots.get(id);
        return now === undefined || now.status === 'available';
      }),
    );
  }, [fetched, key, slots]);

  return { options, loaded: fetched?.key === key };
};

/** Plain free slots (a list without `service`) of exactly this length, as start options. */
const sameLength = (answer: unknown[], minutes: number): StartOption[] =>
  (answer as PublicSlot[])
    .filter((s) => s.status === 'available' && Date.parse(s.end_time) - Date.parse(s.start_time) === minutes * 60_000)
    .map((s) => ({ ...s, status: 'available' as const, slot_ids: [s.id] }));
