/**
 * percentile: nearest-rank percentiles of a list of samples, as every bench reports them.
 */

/** The `p`-th percentile (0–100, nearest rank) of `samples` (any order); NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1] ?? Number.NaN
}
