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
  take(cost: number): boolean
  /**
   * Milliseconds until {@link TokenBucket.takeCapped} of `cost` would succeed (0: now). A cost above the capacity
   * waits for a full bucket.
   */
  waitMs(cost: number): number
  /**
   * Like `take`, but a cost above the capacity is admitted once the bucket is full, emptying it: a single request
   * larger than the burst still goes through, at most once per full refill, instead of never.
   */
  takeCapped(cost: number): boolean
  /** True when the bucket is full: it then remembers nothing of past use, and a fresh bucket would do the same. */
  readonly full: boolean
}

/** Creates a full bucket. */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  const now = options.now ?? (() => performance.now())
  const { capacity, refillPerSecond } = options
  let tokens = capacity
  let last = now()
  const refill = (): void => {
    const at = now()
    tokens = Math.min(capacity, tokens + ((at - last) * refillPerSecond) / 1000)
    last = at
  }
  return {
    take(cost) {
      refill()
      if (cost > tokens) return false
      tokens -= cost
      return true
    },
    waitMs(cost) {
      refill()
      const missing = Math.min(cost, capacity) - tokens
      return missing <= 0 ? 0 : Math.ceil((missing * 1000) / refillPerSecond)
    },
    takeCapped(cost) {
      return this.take(Math.min(cost, capacity))
    },
    get full() {
      refill()
      return tokens >= capacity
    },
  }
}

/** One cost to charge to one bucket. */
export interface BucketCharge {
  readonly bucket: TokenBucket
  readonly cost: number
}

/**
 * Charges every bucket its cost (capped, see takeCapped) only when all of them can pay now; otherwise charges none.
 * @returns 0 when charged, else the milliseconds until all of them could pay (the longest wait)
 */
export function chargeAll(charges: readonly BucketCharge[]): number {
  const wait = Math.max(0, ...charges.map(({ bucket, cost }) => bucket.waitMs(cost)))
  if (wait > 0) return wait
  for (const { bucket, cost } of charges) bucket.takeCapped(cost)
  return 0
}
