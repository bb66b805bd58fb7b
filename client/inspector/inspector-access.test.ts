import { describe, expect, it } from 'vitest'
import { createTokenClaims, signToken } from '../../server/auth/sign-token.ts'
import { checkInspectorAccess } from './inspector-access.ts'

const SECRET = 'inspector-test-secret-0123456789abcdef'
const NOW_MS = Date.now()

describe('checkInspectorAccess', () => {
  it('accepts an observer token with its principal and scope', () => {
    const token = signToken(createTokenClaims({ sub: 'ops', role: 'observer', session: '*' }), SECRET)
    expect(checkInspectorAccess(token, NOW_MS)).toEqual({ ok: true, principalId: 'ops', scope: '*', token })
  })

  it('refuses user and agent tokens and says why', () => {
    for (const role of ['user', 'agent'] as const) {
      const access = checkInspectorAccess(
        signToken(createTokenClaims({ sub: 'alice', role, session: 's1' }), SECRET),
        NOW_MS,
      )
      expect(access).toMatchObject({ ok: false, reason: 'not-an-observer' })
      expect(access.ok ? '' : access.message).toContain(`this is a ${role} token`)
    }
  })

  it('refuses expired and unreadable tokens, and connects anonymously without one', () => {
    const expired = signToken(createTokenClaims({ sub: 'ops', role: 'observer', session: '*', ttlSeconds: 60 }), SECRET)
    expect(checkInspectorAccess(expired, NOW_MS + 61_000)).toMatchObject({ ok: false, reason: 'expired' })
    expect(checkInspectorAccess('opaque', NOW_MS)).toMatchObject({ ok: false, reason: 'not-a-token' })
    expect(checkInspectorAccess(undefined, NOW_MS)).toEqual({ ok: true, principalId: 'inspector', scope: '*' })
  })
})
