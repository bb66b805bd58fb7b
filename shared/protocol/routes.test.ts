/**
 * Route helpers: the audit trail path is built from and parsed back to the session id, and nothing else parses as one.
 */
import { describe, expect, it } from 'vitest'
import { matchSessionAuditPath, sessionAuditPath } from './routes.ts'

describe('sessionAuditPath and matchSessionAuditPath', () => {
  it('round-trip a session id, still URI-encoded', () => {
    expect(sessionAuditPath('s_abc')).toBe('/v1/sessions/s_abc/audit')
    expect(matchSessionAuditPath(sessionAuditPath('s_abc'))).toBe('s_abc')
    expect(matchSessionAuditPath(sessionAuditPath('a b'))).toBe('a%20b')
  })

  it('match no other path', () => {
    for (const path of [
      '/v1/sessions/audit',
      '/v1/sessions//audit',
      '/v1/sessions/a/b/audit',
      '/v1/sessions/s_abc',
      '/v1/sessions/s_abc/audit/',
      '/v2/sessions/s_abc/audit',
    ]) {
      expect(matchSessionAuditPath(path), path).toBeUndefined()
    }
  })
})
