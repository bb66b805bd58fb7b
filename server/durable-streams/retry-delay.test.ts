import { describe, expect, it } from 'vitest'
import { retryDelayMs } from './retry-delay.ts'

describe('retryDelayMs', () => {
  it('doubles from 1 s to the 60 s cap without jitter at the midpoint of the random source', () => {
    expect([1, 2, 3, 6, 7, 8, 20].map((failures) => retryDelayMs(failures, () => 0.5))).toEqual([
      1_000, 2_000, 4_000, 32_000, 60_000, 60_000, 60_000,
    ])
  })

  it('varies by at most 20 % either way', () => {
    expect(retryDelayMs(1, () => 0)).toBe(800)
    expect(retryDelayMs(1, () => 0.999_999)).toBe(1_200)
    expect(retryDelayMs(8, () => 0)).toBe(48_000)
  })
})
