import { DateTime } from 'luxon';
import { ApiError } from './api-error.js';

// Query windows. Owners think in salon days ("2026-12-05"), machines in instants; both are
// accepted. A date is a whole day in the salon's zone, so "to=2026-12-06" includes the 6th.

const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 31;
export const MAX_WINDOW_DAYS = 92;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const invalid = (message: string) => new ApiError(400, 'invalid_range', message);

const dayStart = (date: string, zone: string): DateTime => {
  const day = DateTime.fromISO(date, { zone }).startOf('day');
  if (!day.isValid) throw invalid(`"${date}" is not a date (YYYY-MM-DD)`);
  return day;
};

/** An instant from an ISO date-time (with Z or an offset) or, with `edge`, a salon date. */
export const parseInstant = (raw: string, zone: string, edge: 'start' | 'end' = 'start'): number => {
  if (DATE.test(raw)) {
    const day = dayStart(raw, zone);
    return (edge === 'start' ? day : day.plus({ days: 1 })).toMillis();
  }
  if (!/T/.test(raw) || !/(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) {
    throw invalid(`"${raw}" must be an ISO date-time with a zone (e.g. 2026-12-05T09:00:00Z) or a date`);
  }
  const t = DateTime.fromISO(raw, { setZone: true });
  if (!t.isValid) throw invalid(`"${raw}" is not a valid date-time`);
  return t.toMillis();
};

export type RangeQuery = { from?: string | undefined; to?: string | undefined; date?: string | undefined };

/** [from, to) in epoch ms; defaults to the next DEFAULT_WINDOW_DAYS from `defaultFrom`. */
export const parseRange = (query: RangeQuery, zone: string, defaultFrom: number): { from: number; to: number } => {
  if (query.date !== undefined) {
    if (query.from !== undefined || query.to !== undefined) throw invalid('give either date, or from/to');
    const day = dayStart(query.date, zone);
    return { from: day.toMillis(), to: day.plus({ days: 1 }).toMillis() };
  }
  const from = query.from === undefined ? defaultFrom : parseInstant(query.from, zone, 'start');
  const to = query.to === undefined ? from + DEFAULT_WINDOW_DAYS * DAY_MS : parseInstant(query.to, zone, 'end');
  if (to <= from) throw invalid('to must be after from');
  if (to - from > MAX_WINDOW_DAYS * DAY_MS) throw invalid(`ask for at most ${MAX_WINDOW_DAYS} days at once`);
  return { from, to };
};

/** Midnight in the salon's zone on the day containing `now`: where the owner's views start. */
export const startOfSalonDay = (now: number, zone: string): number =>
  DateTime.fromMillis(now, { zone }).startOf('day').toMillis();

/** The salon's calendar date (YYYY-MM-DD) at `now`. */
export const salonDate = (now: number, zone: string): string => DateTime.fromMillis(now, { zone }).toISODate() ?? '';

const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/**
 * As parseInstant, and also a wall-clock time in the salon's zone ("2026-12-05T13:00", what a
 * datetime-local field gives): time off is thought of on the salon's clock.
 */
export const parseSalonTime = (raw: string, zone: string, edge: 'start' | 'end' = 'start'): number => {
  if (!LOCAL.test(raw)) return parseInstant(raw, zone, edge);
  const t = DateTime.fromISO(raw, { zone });
  if (!t.isValid) throw invalid(`"${raw}" is not a valid date-time`);
  return t.toMillis();
};
