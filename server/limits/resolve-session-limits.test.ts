/**
 * resolveSessionLimits: defaults, overrides, and start-up failures on values that could never work.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SESSION_LIMITS } from '../../shared/limits/session-limits.ts'
import { resolveSessionLimits } from './resolve-session-limits.ts'

const FRAME = 4 * 1024 * 1024

describe('resolveSessionLimits', () => {
  it('fills in defaults and keeps overrides', () => {
    expect(resolveSessionLimits({}, FRAME)).toEqual(DEFAULT_SESSION_LIMITS)
    expect(resolveSessionLimits({ framesPerSecond: 10 }, FRAME)).toEqual({
      ...DEFAULT_SESSION_LIMITS,
      framesPerSecond: 10,
    })
  })

  it.each([
    ['zero', { frameBurst: 0 }],
    ['negative', { maxUpdateBytes: -1 }],
    ['NaN', { bytesPerSecond: Number.NaN }],
  ])('refuses a %s limit', (_label, overrides) => {
    expect(() => resolveSessionLimits(overrides, FRAME)).toThrow(TypeError)
  })

  it('refuses a byte burst smaller than one largest frame', () => {
    expect(() => resolveSessionLimits({ byteBurst: FRAME - 1 }, FRAME)).toThrow(/byteBurst/)
    expect(resolveSessionLimits({ byteBurst: FRAME }, FRAME).byteBurst).toBe(FRAME)
  })
})
