/**
 * The close notice (PROTOCOL.md §10.6): round trip, and other stateless payloads — the limits announcement included —
 * decode to undefined instead of throwing.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_SESSION_LIMITS } from '../limits/session-limits.ts'
import { decodeCloseNotice, encodeCloseNotice } from './close-notice.ts'
import { encodeSessionLimitsAnnouncement } from './session-limits-announcement.ts'

describe('close notice', () => {
  it('decodes what it encodes', () => {
    const notice = {
      code: 'RATE_LIMITED',
      details: { limit: 'sync-bytes', scope: 'principal', retryAfterMs: 1_250 },
    } as const
    expect(JSON.parse(encodeCloseNotice(notice))).toEqual({ type: 'close-notice', ...notice })
    expect(decodeCloseNotice(encodeCloseNotice(notice))).toEqual(notice)
  })

  it.each([
    ['not JSON', 'hello'],
    ['JSON null', 'null'],
    ['the limits announcement', encodeSessionLimitsAnnouncement(DEFAULT_SESSION_LIMITS)],
    ['an unknown code', '{"type":"close-notice","code":"NOPE","details":{}}'],
    ['details that are not an object', '{"type":"close-notice","code":"RATE_LIMITED","details":[1]}'],
    ['no details', '{"type":"close-notice","code":"RATE_LIMITED"}'],
  ])('ignores %s', (_label, payload) => {
    expect(decodeCloseNotice(payload)).toBeUndefined()
  })
})
