// Instants as the ISO-8601 text the log and the API carry. Under load the same instants
// are formatted over and over (a command's `now` and its deadline, a slot's start and end
// in every view of it), and `toISOString` showed in profiles; a small bounded memo serves
// the repeats. Pure: the same number always gives the same text.

const MEMO_SIZE = 4_096;
const memo = new Map<number, string>();

export const isoTime = (epochMs: number): string => {
  const known = memo.get(epochMs);
  if (known !== undefined) return known;
  const text = new Date(epochMs).toISOString();
  if (memo.size >= MEMO_SIZE) memo.clear(); // a wholesale reset is cheaper than an LRU here
  memo.set(epochMs, text);
  return text;
};
