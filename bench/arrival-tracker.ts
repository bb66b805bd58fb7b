/**
 * ArrivalTracker: records when each viewer first holds each token (viewers receive tokens in order, so a viewer
 * is described by how many tokens it holds) and turns that into latency samples and delivered throughput.
 */
import { waitForCondition } from '../client/core/wait-for-condition.ts'

/** Latency percentiles and throughput of one run. */
export interface StreamStats {
  readonly meanMs: number
  readonly p50Ms: number
  readonly p99Ms: number
  /** Tokens divided by the time from the first send until the last viewer holds the last token. */
  readonly tokensPerSecond: number
}

/** Arrival times of `tokens` tokens at `viewers` viewers. */
export interface ArrivalTracker {
  /** How many tokens `viewer` holds. */
  received(viewer: number): number
  /** Marks tokens received(viewer)..count-1 as arrived at `viewer` at time `at` (performance.now()). */
  markReceived(viewer: number, count: number, at: number): void
  /** Resolves once every viewer holds every token. @throws SessionError TIMEOUT */
  waitForAll(timeoutMs: number): Promise<void>
  /** When `viewer` first held each token (performance.now(); 0 while it does not). */
  arrivalsOf(viewer: number): Float64Array
  /** Mean and percentiles over every (viewer, token) latency, given each token's send time. */
  stats(sentAt: Float64Array): StreamStats
}

/** Creates a tracker for `viewers` viewers of `tokens` tokens. */
export function createArrivalTracker(viewers: number, tokens: number): ArrivalTracker {
  const arrivals = Array.from({ length: viewers }, () => new Float64Array(tokens))
  const counts = new Int32Array(viewers)
  const listeners = new Set<() => void>()
  let complete = 0
  let lastArrival = 0

  const markReceived = (viewer: number, count: number, at: number): void => {
    const arrived = arrivals[viewer]
    const from = counts[viewer] ?? 0
    const to = Math.min(count, tokens)
    if (arrived === undefined || to <= from) return
    arrived.fill(at, from, to)
    counts[viewer] = to
    lastArrival = Math.max(lastArrival, at)
    if (to === tokens) {
      complete++
      for (const listener of [...listeners]) listener()
    }
  }

  return {
    received: (viewer) => counts[viewer] ?? 0,
    markReceived,
    arrivalsOf: (viewer) => arrivals[viewer] ?? new Float64Array(0),
    waitForAll: (timeoutMs) =>
      waitForCondition(
        (listener) => {
          listeners.add(listener)
          return () => {
            listeners.delete(listener)
          }
        },
        () => complete === viewers,
        timeoutMs,
        `${viewers} viewers to receive ${tokens} tokens`,
      ),
    stats(sentAt) {
      const latencies = new Float64Array(viewers * tokens)
      arrivals.forEach((arrived, viewer) => {
        for (let index = 0; index < tokens; index++)
          latencies[viewer * tokens + index] = (arrived[index] ?? 0) - (sentAt[index] ?? 0)
      })
      latencies.sort()
      const sum = latencies.reduce((total, latency) => total + latency, 0)
      const elapsedMs = lastArrival - (sentAt[0] ?? 0)
      return {
        meanMs: latencies.length > 0 ? sum / latencies.length : Number.NaN,
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        tokensPerSecond: elapsedMs > 0 ? tokens / (elapsedMs / 1000) : Number.POSITIVE_INFINITY,
      }
    },
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)))
  return sorted[rank - 1] ?? Number.NaN
}
