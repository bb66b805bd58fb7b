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

/**
 * One bucket. A class rather than closures: every connection and principal holds a few, so their size counts
 * towards each idle session's memory.
 */
export class TokenBucket {
  readonly #capacity: number
  readonly #refillPerSecond: number
  /** The injected clock; undefined: performance.now. */
  readonly #now: (() => number) | undefined
  #tokens: number
  #last: number

  constructor(options: TokenBucketOptions) {
    this.#capacity = options.capacity
    this.#refillPerSecond = options.refillPerSecond
    this.#now = options.now
    this.#tokens = options.capacity
    this.#last = this.#time()
  }

  /** Takes `cost` tokens and returns true, or returns false and takes nothing when fewer are left. */
  take(cost: number): boolean {
    this.#refill()
    if (cost > this.#tokens) return false
    this.#tokens -= cost
    return true
  }

  /**
   * Milliseconds until {@link TokenBucket.takeCapped} of `cost` would succeed (0: now). A cost above the capacity
   * waits for a full bucket.
   */
  waitMs(cost: number): number {
    this.#refill()
    const missing = Math.min(cost, this.#capacity) - this.#tokens
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.#refillPerSecond)
  }

  /**
   * Like `take`, but a cost above the capacity is admitted once the bucket is full, emptying it: a single request
   * larger than the burst still goes through, at most once per full refill, instead of never.
   */
  takeCapped(cost: number): boolean {
    return this.take(Math.min(cost, this.#capacity))
  }

  /** True when the bucket is full: it then remembers nothing of past use, and a fresh bucket would do the same. */
  get full(): boolean {
    this.#refill()
    return this.#tokens >= this.#capacity
  }

  #refill(): void {
    const at = this.#time()
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((at - this.#last) * this.#refillPerSecond) / 1000)
    this.#last = at
  }

  #time(): number {
    return this.#now === undefined ? performance.now() : this.#now()
  }
}

/** Creates a full bucket. */
export function createTokenBucket(options: TokenBucketOptions): TokenBucket {
  return new TokenBucket(options)
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
