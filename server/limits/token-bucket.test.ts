/**
 * createTokenBucket and chargeAll with an injected clock: refill, waits, capped charges of costs above the capacity,
 * and all-or-nothing charges over several buckets.
 */
import { describe, expect, it } from 'vitest'
import { chargeAll, createTokenBucket } from './token-bucket.ts'

function clocked(capacity: number, refillPerSecond: number) {
  let clock = 0
  const bucket = createTokenBucket({ capacity, refillPerSecond, now: () => clock })
  return {
    bucket,
    advance: (ms: number) => {
      clock += ms
    },
  }
}

describe('createTokenBucket', () => {
  it('says how long a cost must wait, and admits it exactly then', () => {
    const { bucket, advance } = clocked(10, 5)
    expect(bucket.take(8)).toBe(true)
    expect(bucket.waitMs(2)).toBe(0)
    expect(bucket.waitMs(4)).toBe(400) // 2 left, 2 more at 5 per second
    advance(399)
    expect(bucket.takeCapped(4)).toBe(false)
    advance(1)
    expect(bucket.takeCapped(4)).toBe(true)
  })

  it('admits a cost above the capacity once the bucket is full, emptying it; take never does', () => {
    const { bucket, advance } = clocked(10, 5)
    expect(bucket.take(25)).toBe(false)
    expect(bucket.waitMs(25)).toBe(0)
    expect(bucket.takeCapped(25)).toBe(true)
    expect(bucket.full).toBe(false)
    expect(bucket.waitMs(25)).toBe(2_000)
    advance(1_999)
    expect(bucket.takeCapped(25)).toBe(false)
    advance(1)
    expect(bucket.full).toBe(true)
  })
})

describe('chargeAll', () => {
  it('charges every bucket or none, and returns the longest wait', () => {
    const a = clocked(10, 10)
    const b = clocked(100, 10)
    expect(
      chargeAll([
        { bucket: a.bucket, cost: 6 },
        { bucket: b.bucket, cost: 6 },
      ]),
    ).toBe(0)
    expect(
      chargeAll([
        { bucket: a.bucket, cost: 6 },
        { bucket: b.bucket, cost: 6 },
      ]),
    ).toBe(200)
    // Nothing was taken from b by the refused charge.
    expect(b.bucket.waitMs(94)).toBe(0)
    expect(
      chargeAll([
        { bucket: a.bucket, cost: 0 },
        { bucket: b.bucket, cost: 94 },
      ]),
    ).toBe(0)
    expect(b.bucket.take(1)).toBe(false)
  })
})
