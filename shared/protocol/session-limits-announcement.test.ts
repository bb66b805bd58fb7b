/**
 * The limits announcement (PROTOCOL.md §10.3): round trip, and anything else a stateless payload may carry decodes
 * to undefined instead of throwing.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DEFAULT_SESSION_LIMITS } from '../limits/session-limits.ts'
import {
  decodeAnnouncedPolicyHoldBack,
  decodeAnnouncedPresenceTimeout,
  decodeSessionLimitsAnnouncement,
  encodeSessionLimitsAnnouncement,
} from './session-limits-announcement.ts'

describe('session limits announcement', () => {
  it('carries the policy hold-back of a server with a message policy, and none otherwise (§8.8)', () => {
    const announced = encodeSessionLimitsAnnouncement(DEFAULT_SESSION_LIMITS, 15_000, 64)
    expect(decodeAnnouncedPolicyHoldBack(announced)).toBe(64)
    expect(decodeSessionLimitsAnnouncement(announced)).toEqual({
      maxUpdateBytes: DEFAULT_SESSION_LIMITS.maxUpdateBytes,
      maxUserTextChars: DEFAULT_SESSION_LIMITS.maxUserTextChars,
    })
    expect(
      decodeAnnouncedPolicyHoldBack(encodeSessionLimitsAnnouncement(DEFAULT_SESSION_LIMITS, 15_000)),
    ).toBeUndefined()
    expect(
      decodeAnnouncedPolicyHoldBack(
        '{"type":"session-limits","maxUpdateBytes":1,"maxUserTextChars":1,"policyHoldBackChars":-3}',
      ),
    ).toBeUndefined()
  })

  it('decodes what it encodes (§10.3)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        (maxUpdateBytes, maxUserTextChars) => {
          expect(
            decodeSessionLimitsAnnouncement(encodeSessionLimitsAnnouncement({ maxUpdateBytes, maxUserTextChars })),
          ).toEqual({ maxUpdateBytes, maxUserTextChars })
        },
      ),
    )
  })

  it('carries the presence timeout when given, and an announcement without one still gives its limits', () => {
    const withTimeout = encodeSessionLimitsAnnouncement(DEFAULT_SESSION_LIMITS, 6_000)
    expect(decodeAnnouncedPresenceTimeout(withTimeout)).toBe(6_000)
    const { maxUpdateBytes, maxUserTextChars } = DEFAULT_SESSION_LIMITS
    expect(decodeSessionLimitsAnnouncement(withTimeout)).toEqual({ maxUpdateBytes, maxUserTextChars })
    expect(decodeAnnouncedPresenceTimeout(encodeSessionLimitsAnnouncement(DEFAULT_SESSION_LIMITS))).toBeUndefined()
  })

  it.each([
    ['a zero timeout', '{"type":"session-limits","maxUpdateBytes":10,"maxUserTextChars":10,"presenceTimeoutMs":0}'],
    ['a string timeout', '{"type":"session-limits","maxUpdateBytes":10,"maxUserTextChars":10,"presenceTimeoutMs":"9"}'],
    ['another type', '{"type":"chat","presenceTimeoutMs":9000}'],
  ])('reads no presence timeout from %s', (_label, payload) => {
    expect(decodeAnnouncedPresenceTimeout(payload)).toBeUndefined()
  })

  it('announces only the write limits without a presence timeout', () => {
    expect(JSON.parse(encodeSessionLimitsAnnouncement(DEFAULT_SESSION_LIMITS))).toEqual({
      type: 'session-limits',
      maxUpdateBytes: DEFAULT_SESSION_LIMITS.maxUpdateBytes,
      maxUserTextChars: DEFAULT_SESSION_LIMITS.maxUserTextChars,
    })
  })

  it.each([
    ['not JSON', 'hello'],
    ['JSON null', 'null'],
    ['another type', '{"type":"chat","maxUpdateBytes":10,"maxUserTextChars":10}'],
    ['a missing limit', '{"type":"session-limits","maxUpdateBytes":10}'],
    ['a zero limit', '{"type":"session-limits","maxUpdateBytes":0,"maxUserTextChars":10}'],
    ['a fractional limit', '{"type":"session-limits","maxUpdateBytes":10.5,"maxUserTextChars":10}'],
    ['a string limit', '{"type":"session-limits","maxUpdateBytes":"10","maxUserTextChars":10}'],
  ])('ignores %s', (_label, payload) => {
    expect(decodeSessionLimitsAnnouncement(payload)).toBeUndefined()
  })
})
