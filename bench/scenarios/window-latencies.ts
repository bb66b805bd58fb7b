/**
 * windowLatencies: token latency percentiles (first viewer holds the token − it was handed to the producer) of
 * consecutive windows of `windowSize` tokens of one long stream.
 */

/** Latency percentiles of one window. */
export interface WindowLatency {
  readonly p50Ms: number
  readonly p99Ms: number
}

/** Percentiles of each full window. */
export function windowLatencies(arrivals: Float64Array, sentAt: Float64Array, windowSize: number): WindowLatency[] {
  const windows: WindowLatency[] = []
  for (let start = 0; start + windowSize <= arrivals.length; start += windowSize) {
    const latencies = new Float64Array(windowSize)
    for (let index = 0; index < windowSize; index++)
      latencies[index] = (arrivals[start + index] ?? 0) - (sentAt[start + index] ?? 0)
    latencies.sort()
    windows.push({
      p50Ms: latencies[Math.ceil(windowSize * 0.5) - 1] ?? Number.NaN,
      p99Ms: latencies[Math.ceil(windowSize * 0.99) - 1] ?? Number.NaN,
    })
  }
  return windows
}
