/**
 * medianBy: the element of a non-empty list whose key is the median (upper median for even lengths).
 */

/** Returns the median element of `items` by `key`. @throws RangeError when `items` is empty */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b))
  const median = sorted[Math.floor(sorted.length / 2)]
  if (median === undefined) throw new RangeError('medianBy needs at least one item')
  return median
}
