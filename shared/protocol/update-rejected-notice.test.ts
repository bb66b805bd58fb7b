/**
 * The refusal notice (PROTOCOL.md §8.3): round trip for every code and reason, and anything else a stateless payload
 * may carry (the limits announcement included) decodes to undefined instead of throwing.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { UPDATE_REJECTION_REASONS, type UpdateRejectionReason } from '../auth/update-rejection.ts'
import { DEFAULT_SESSION_LIMITS } from '../limits/session-limits.ts'
import { encodeSessionLimitsAnnouncement } from './session-limits-announcement.ts'
import {
  decodeUpdateRejectedNotice,
  encodeUpdateRejectedNotice,
  type UpdateRejectedNotice,
} from './update-rejected-notice.ts'

const notices: fc.Arbitrary<UpdateRejectedNotice> = fc.oneof(
  fc.record({
    code: fc.constant('UPDATE_REJECTED' as const),
    reason: fc.constantFrom(...(Object.keys(UPDATE_REJECTION_REASONS) as UpdateRejectionReason[])),
    message: fc.string(),
  }),
  fc.record({
    code: fc.constant('UPDATE_TOO_LARGE' as const),
    reason: fc.constant('maxUpdateBytes' as const),
    message: fc.string(),
  }),
  fc.record({
    code: fc.constant('TEXT_TOO_LONG' as const),
    reason: fc.constant('maxUserTextChars' as const),
    message: fc.string(),
  }),
  fc.record({
    code: fc.constant('AGENT_REPLY_FORBIDDEN' as const),
    reason: fc.constant('onDeviceAgent' as const),
    message: fc.string(),
  }),
  fc.record({
    code: fc.constant('POLICY_REJECTED' as const),
    reason: fc.constant('reject' as const),
    message: fc.string(),
  }),
  fc.record(
    {
      code: fc.constant('POLICY_REJECTED' as const),
      reason: fc.constant('redact' as const),
      message: fc.string(),
      messageId: fc.string({ minLength: 1 }),
      partType: fc.constant('reasoning' as const),
      // Sorted, disjoint spans: each starts past the previous one's end.
      spans: fc
        .array(fc.tuple(fc.nat(20), fc.integer({ min: 1, max: 20 }), fc.string()), { maxLength: 4 })
        .map((steps) => {
          let at = 0
          return steps.map(([gap, length, replacement]) => {
            const start = at + gap
            at = start + length
            return { start, end: at, replacement }
          })
        }),
    },
    { requiredKeys: ['code', 'reason', 'message', 'messageId', 'spans'] },
  ),
)

describe('update-rejected notice', () => {
  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(notices, (notice) => {
        expect(decodeUpdateRejectedNotice(encodeUpdateRejectedNotice(notice))).toEqual(notice)
      }),
    )
  })

  it('is the JSON object of PROTOCOL.md §8.3', () => {
    expect(
      JSON.parse(
        encodeUpdateRejectedNotice({
          code: 'UPDATE_REJECTED',
          reason: 'SCHEMA_MISMATCH',
          message: 'parts must be a list',
        }),
      ),
    ).toEqual({
      type: 'update-rejected',
      code: 'UPDATE_REJECTED',
      reason: 'SCHEMA_MISMATCH',
      message: 'parts must be a list',
    })
  })

  it.each([
    ['not JSON', 'hello'],
    ['JSON null', 'null'],
    ['the limits announcement', encodeSessionLimitsAnnouncement(DEFAULT_SESSION_LIMITS)],
    ['an unknown code', '{"type":"update-rejected","code":"FORBIDDEN","reason":"FORBIDDEN_PARENT","message":"x"}'],
    ['an unknown reason', '{"type":"update-rejected","code":"UPDATE_REJECTED","reason":"BAD_VIBES","message":"x"}'],
    [
      'a limit code with a rule reason',
      '{"type":"update-rejected","code":"TEXT_TOO_LONG","reason":"MALFORMED","message":"x"}',
    ],
    [
      'a capability code with a limit reason',
      '{"type":"update-rejected","code":"AGENT_REPLY_FORBIDDEN","reason":"maxUpdateBytes","message":"x"}',
    ],
    ['no message', '{"type":"update-rejected","code":"UPDATE_REJECTED","reason":"MALFORMED"}'],
    [
      'a redaction without its message',
      '{"type":"update-rejected","code":"POLICY_REJECTED","reason":"redact","message":"x","spans":[]}',
    ],
    [
      'a redaction with overlapping spans',
      '{"type":"update-rejected","code":"POLICY_REJECTED","reason":"redact","message":"x","messageId":"m","spans":[{"start":0,"end":4,"replacement":""},{"start":2,"end":6,"replacement":""}]}',
    ],
  ])('ignores %s', (_label, payload) => {
    expect(decodeUpdateRejectedNotice(payload)).toBeUndefined()
  })
})
