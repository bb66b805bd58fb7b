/**
 * windowRates: throughput of a long stream in consecutive windows of `windowSize` tokens, from the times at
 * which each token was held; window 0 starts when the first token was sent.
 */

/** Tokens per second of each full window; NaN when the window's tokens all arrived at once (no rate). */
export function windowRates(arrivals: Float64Array, firstSentAt: number, windowSize: number): number[] {
  const rates: number[] = []
  for (let end = windowSize; end <= arrivals.length; end += windowSize) {
    const from = end === windowSize ? firstSentAt : (arrivals[end - windowSize - 1] ?? Number.NaN)
    const to = arrivals[end - 1] ?? Number.NaN
    rates.push(to > from ? windowSize / ((to - from) / 1000) : Number.NaN)
  }
  return rates
}
