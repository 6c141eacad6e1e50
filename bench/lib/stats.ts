// Figures a benchmark prints: latency percentiles from raw samples (a few hundred thousand
// at most, so sorting is fine) and plain rounding for the table.

export type Latency = { p50: number; p99: number; max: number };

export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
};

export const latencyOf = (samplesMs: readonly number[]): Latency => {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN) };
};

/** Two significant decimals below 10, whole numbers above: figures, not noise. */
export const round = (value: number): number =>
  Number.isFinite(value) ? (Math.abs(value) >= 10 ? Math.round(value) : Math.round(value * 100) / 100) : value;

export const ratio = (value: number, of: number): number => round(value / of);

/** Wall time of an async step, in ms, with its result. */
export const timed = async <T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> => {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
};
