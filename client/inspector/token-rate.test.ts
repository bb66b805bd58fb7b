import { describe, expect, it } from 'vitest'
import { createTokenRate } from './token-rate.ts'

describe('createTokenRate', () => {
  it('measures text growth over the window', () => {
    const rate = createTokenRate({ windowMs: 1_000 })
    rate.record(0, 0)
    rate.record(50, 250)
    rate.record(100, 500)
    expect(rate.charsPerSecond(500)).toBe(200)
  })

  it('uses the last sample before the window as the baseline and falls to 0 when the text stops growing', () => {
    const rate = createTokenRate({ windowMs: 1_000 })
    for (let atMs = 0; atMs <= 3_000; atMs += 100) rate.record(atMs, atMs) // 1000 chars/s
    expect(rate.charsPerSecond(3_000)).toBe(1_000)
    rate.record(3_000, 3_500)
    expect(rate.charsPerSecond(3_500)).toBe(500)
    rate.record(3_000, 4_100)
    expect(rate.charsPerSecond(4_100)).toBe(0)
  })

  it('answers 0 before two samples span time and restarts when the total shrinks', () => {
    const rate = createTokenRate()
    expect(rate.charsPerSecond(0)).toBe(0)
    rate.record(500, 0)
    expect(rate.charsPerSecond(0)).toBe(0)
    rate.record(100, 1_000)
    expect(rate.charsPerSecond(1_000)).toBe(0)
    rate.record(300, 2_000)
    expect(rate.charsPerSecond(2_000)).toBe(200)
  })
})
