import { DateTime } from 'luxon';

// A salon's week as the owner thinks of it ("Tuesdays 9 to 5, hour-long slots, Anna and
// Ben") turned into concrete slots. Times are wall-clock times in the salon's zone, so a
// 9:00 slot stays at 9:00 across daylight-saving changes; a slot that would fall into a
// clock change (a wall time that does not exist, or a slot whose real length is not the
// template's) is skipped rather than opened wrong.

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export type WeeklyTemplate = {
  /** Opening hours per weekday as "HH:MM" pairs; a missing day is closed. */
  hours: Partial<Record<Weekday, Array<[open: string, close: string]>>>;
  slotMinutes: number;
  stylists: string[];
  /** Inclusive calendar dates, "YYYY-MM-DD", in the salon's zone. */
  from: string;
  to: string;
  zone: string;
};

export type SlotSpec = { stylist: string; startsAt: number; endsAt: number };

const minutesOf = (hhmm: string): number => {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (match === null) throw new RangeError(`"${hhmm}" is not a time of day (HH:MM)`);
  return Number(match[1]) * 60 + Number(match[2]);
};

/** The instant of a wall-clock minute on a date, or undefined if the clocks skip it. */
const wallClock = (date: DateTime, minuteOfDay: number): DateTime | undefined => {
  const t = date.set({ hour: Math.floor(minuteOfDay / 60), minute: minuteOfDay % 60, second: 0, millisecond: 0 });
  return t.hour * 60 + t.minute === minuteOfDay ? t : undefined;
};

export const MAX_TEMPLATE_DAYS = 366;

export const expandWeeklyTemplate = (template: WeeklyTemplate): SlotSpec[] => {
  const first = DateTime.fromISO(template.from, { zone: template.zone }).startOf('day');
  const last = DateTime.fromISO(template.to, { zone: template.zone }).startOf('day');
  if (!first.isValid || !last.isValid) throw new RangeError('from and to must be dates (YYYY-MM-DD)');
  if (last < first) throw new RangeError('to must not be before from');
  if (last.diff(first, 'days').days >= MAX_TEMPLATE_DAYS)
    throw new RangeError(`at most ${MAX_TEMPLATE_DAYS} days at once`);
  if (!Number.isInteger(template.slotMinutes) || template.slotMinutes < 5 || template.slotMinutes > 720) {
    throw new RangeError('slotMinutes must be a whole number from 5 to 720');
  }
  const slots: SlotSpec[] = [];
  for (let day = first; day <= last; day = day.plus({ days: 1 })) {
    const weekday = WEEKDAYS[day.weekday - 1] as Weekday;
    for (const [open, close] of template.hours[weekday] ?? []) {
      const closeMin = minutesOf(close);
      for (let m = minutesOf(open); m + template.slotMinutes <= closeMin; m += template.slotMinutes) {
        const start = wallClock(day, m);
        const end = wallClock(day, m + template.slotMinutes);
        if (start === undefined || end === undefined) continue;
        if (end.toMillis() - start.toMillis() !== template.slotMinutes * 60_000) continue;
        for (const stylist of template.stylists) {
          slots.push({ stylist, startsAt: start.toMillis(), endsAt: end.toMillis() });
        }
      }
    }
  }
  return slots;
};
