import type { PublicSlot, Service } from '../shared/api.ts';
import { dayOf } from '../shared/time.ts';

// How many start times each day has for a service, as a hint on the day chips ("12 times",
// "full"), counted from the live slots: free slots of one stylist, each ending where the
// next begins, long enough together. Only a hint — the times listed for the chosen day
// come from the server, which decides.

export const startsPerDay = (
  slots: Iterable<PublicSlot>,
  service: Service,
  stylist: string,
  zone: string,
): Array<[day: string, starts: number]> => {
  const byStylist = new Map<string, PublicSlot[]>();
  for (const s of slots) {
    if (!service.stylists.includes(s.stylist) || (stylist !== 'any' && s.stylist !== stylist)) continue;
    byStylist.set(s.stylist, [...(byStylist.get(s.stylist) ?? []), s]);
  }
  const counts = new Map<string, number>();
  const need = service.duration_minutes * 60_000;
  for (const list of byStylist.values()) {
    list.sort((a, b) => a.start_time.localeCompare(b.start_time));
    list.forEach((first, i) => {
      const day = dayOf(first.start_time, zone);
      let covered = 0;
      for (let j = i; j < list.length && covered < need; j += 1) {
        const s = list[j] as PublicSlot;
        const previous = list[j - 1];
        if (s.status !== 'available' || (j > i && previous?.end_time !== s.start_time)) break;
        covered += Date.parse(s.end_time) - Date.parse(s.start_time);
      }
      counts.set(day, (counts.get(day) ?? 0) + (covered >= need ? 1 : 0));
    });
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b));
};
