/**
 * createLimitsTracker (PROTOCOL.md §10.3): the shared defaults, the client's option over them, and the server's
 * announced limits, which an option may lower but never raise.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SESSION_LIMITS } from '../../shared/limits/session-limits.ts'
import { createLimitsTracker } from './limits-tracker.ts'

const defaults = {
  maxUpdateBytes: DEFAULT_SESSION_LIMITS.maxUpdateBytes,
  maxUserTextChars: DEFAULT_SESSION_LIMITS.maxUserTextChars,
}

describe('createLimitsTracker', () => {
  it('starts from the server defaults in shared/, with the option over them', () => {
    expect(createLimitsTracker().current).toEqual(defaults)
    expect(createLimitsTracker({ maxUserTextChars: 500_000 }).current).toEqual({
      ...defaults,
      maxUserTextChars: 500_000,
    })
  })

  it('takes the announced limits in place of the defaults', () => {
    const tracker = createLimitsTracker()
    tracker.announce({ maxUpdateBytes: 8_192, maxUserTextChars: 200_000 })
    expect(tracker.current).toEqual({ maxUpdateBytes: 8_192, maxUserTextChars: 200_000 })
  })

  it('lets an option lower the announced limits but never raise them', () => {
    const tracker = createLimitsTracker({ maxUpdateBytes: 4_096, maxUserTextChars: 500_000 })
    tracker.announce({ maxUpdateBytes: 8_192, maxUserTextChars: 1_000 })
    expect(tracker.current).toEqual({ maxUpdateBytes: 4_096, maxUserTextChars: 1_000 })
  })

  it.each([
    ['zero', { maxUserTextChars: 0 }],
    ['negative', { maxUpdateBytes: -1 }],
    ['fractional', { maxUpdateBytes: 1.5 }],
    ['NaN', { maxUserTextChars: Number.NaN }],
  ])('refuses a %s option', (_label, overrides) => {
    expect(() => createLimitsTracker(overrides)).toThrow(TypeError)
  })
})
