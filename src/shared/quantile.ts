/**
 * Quantiles for benchmarks and summaries, one definition for the whole tree: the element at rank
 * `floor(q * n)` of the sorted values (clamped to the last), so `q = 0.5` of an even count is the upper
 * median and `q = 0.99` of 100 values is the largest but one.
 */

/** The `q` quantile (0..1) of `values` (any order; not modified), or `empty` when there are none. */
export function quantile(values: readonly number[], q: number, empty = Number.NaN): number {
  return quantileOfSorted([...values].sort((a, b) => a - b), q, empty);
}

/** {@link quantile} of values already sorted ascending (no copy). */
export function quantileOfSorted(sorted: readonly number[], q: number, empty = Number.NaN): number {
  if (sorted.length === 0) return empty;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))] ?? empty;
}
