// Text a person typed (a customer's name) is shown to other people: in the owner's console,
// the calendar invite, and soon in emails. So it must be text a screen can show as it is:
// no control characters (a NUL truncates it in C libraries, an escape sequence repaints a
// terminal) and no unpaired surrogates (broken UTF-16 that some encoders reject and others
// turn into U+FFFD). Bidi overrides and isolates are taken out rather than refused: they are
// how "Anna\u202Egnp.exe" shows as "Annaexe.png", and a real name never needs them.

const CONTROL = /\p{Cc}/u;
// Private-use characters and noncharacters show as nothing, or as a box, on another screen.
const NO_GLYPH = /[\p{Co}\uFDD0-\uFDEF\uFFFE\uFFFF]/u;
// In a /u regex a well-formed pair is one code point, so only a lone surrogate matches.
const LONE_SURROGATE = /\p{Cs}/u;
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Why `text` cannot be shown as typed, or undefined if it can. */
export const unprintable = (text: string): string | undefined => {
  if (LONE_SURROGATE.test(text)) return 'has broken Unicode (an unpaired surrogate)';
  if (CONTROL.test(text)) return 'has control characters';
  if (NO_GLYPH.test(text)) return 'has characters that cannot be shown (private-use or noncharacters)';
  return undefined;
};

/** `text` with bidi embeddings, overrides, isolates and marks removed. */
export const withoutBidiControls = (text: string): string => text.replace(BIDI_CONTROLS, '');

/**
 * A short label someone types for others to see (a service's name, a stylist's): trimmed,
 * single-spaced, without bidi controls, 1–`max` characters and printable; else `refuse`
 * is called with why.
 */
export const labelText = (value: unknown, field: string, max: number, refuse: (message: string) => never): string => {
  if (typeof value !== 'string') return refuse(`${field} must be text`);
  const clean = withoutBidiControls(value).trim().replace(/\s+/g, ' ');
  if (clean === '' || clean.length > max) return refuse(`${field} must be 1–${max} characters`);
  const problem = unprintable(clean);
  return problem === undefined ? clean : refuse(`${field} ${problem}`);
};
