// A slot's id is derived from its stylist and start, so opening the same stylist + start
// twice names the same stream: idempotent opening needs no lookup table.

const SLUG_MAX = 40;

/** `"Zoë O'Brien"` → `"zoe-o-brien"`; empty when nothing usable is left. */
export const stylistSlug = (stylist: string): string =>
  stylist
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/-+$/g, '');

const MAX_DATE_MS = 8.64e15; // the ECMAScript Date range

/** `2026-11-25T09:00:00.000Z` → `20261125T0900Z` (minute precision, UTC); `invalid` for a non-time. */
const compactUtcMinute = (epochMs: number): string => {
  // Any number can arrive from a request body; an invalid Date would throw in toISOString.
  if (!Number.isFinite(epochMs) || Math.abs(epochMs) > MAX_DATE_MS) return 'invalid';
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
};

export const slotIdFor = (stylist: string, startsAt: number): string =>
  `${stylistSlug(stylist)}-${compactUtcMinute(startsAt)}`;

export const SLOT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,39})-\d{8}T\d{4}Z$/;

export const isSlotId = (value: string): boolean => SLOT_ID_PATTERN.test(value);
