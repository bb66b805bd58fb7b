/**
 * A token bucket: holds up to `capacity` tokens, refills `refillPerSecond` continuously, and admits a cost only when
 * that many tokens are there (then takes them).
 */

/** Options of {@link createTokenBucket}. */
export interface TokenBucketOptions {
  readonly capacity: number
  readonly refillPerSecond: number
  /** Clock in ms (default performance.now). */
  readonly now?: () => number
}

/** One bucket. */
export interface TokenBucket {
  /** Takes `cost` tokens and returns true, or returns false and takes nothing when fewer are left. */
  take (cost: number): boolean
}

/** Creates a full bucket. */
export function createTokenBucket (options: TokenBucketOptions): TokenBucket {
  const now = options.now ?? (() => performance.now())
  let tokens = options.capacity
  let last = now()
  return {
    take (cost) {
      const at = now()
      tokens = Math.min(options.capacity, tokens + (at - last) * options.refillPerSecond / 1000)
      last = at
      if (cost > tokens) return false
      tokens -= cost
      return true
    },
  }
}
