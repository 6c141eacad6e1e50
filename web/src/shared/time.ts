// Times shown in the salon's zone, whatever the phone's zone is: a client abroad booking
// a haircut at home must see the salon's 09:00.

const cache = new Map<string, Intl.DateTimeFormat>();
const format = (zone: string, options: Intl.DateTimeFormatOptions, locale = 'en-GB'): Intl.DateTimeFormat => {
  const key = `${locale}|${zone}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, { timeZone: zone, ...options });
    cache.set(key, f);
  }
  return f;
};

/** "09:00" */
export const timeOf = (iso: string, zone: string): string =>
  format(zone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

/** "2026-12-05": the salon's calendar day of an instant. */
export const dayOf = (iso: string, zone: string): string =>
  format(zone, { year: 'numeric', month: '2-digit', day: '2-digit' }, 'en-CA').format(new Date(iso));

/** "Sat 5 Dec" for a "2026-12-05" day key (noon UTC keeps it on the right date). */
export const dayLabel = (day: string, zone: string): string =>
  format(zone, { weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(`${day}T12:00:00Z`));

/** "Saturday 5 December, 09:00" */
export const longDateTime = (iso: string, zone: string): string =>
  format(zone, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));

/** "2:59" */
export const clock = (seconds: number): string => {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** "09:00–10:30": an appointment on one day. */
export const timeRange = (start: string, end: string, zone: string): string =>
  `${timeOf(start, zone)}–${timeOf(end, zone)}`;

/** "Saturday 5 December, 09:00–10:30" */
export const longTimeRange = (start: string, end: string, zone: string): string =>
  `${longDateTime(start, zone)}–${timeOf(end, zone)}`;

/** "45 min", "1 h", "1 h 30 min" */
export const durationText = (minutes: number): string => {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
};
