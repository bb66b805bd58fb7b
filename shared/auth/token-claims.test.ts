/**
 * Token claims: shape validation, session scope, and the unverified decode clients use to learn their principal.
 */
import { describe, expect, it } from 'vitest'
import {
  ANY_SESSION,
  decodeTokenClaims,
  isPrincipalRole,
  MAX_PRINCIPAL_ID_CHARS,
  parseTokenClaims,
  scopeAllows,
} from './token-claims.ts'

const valid = { sub: 'alice', role: 'user', session: 's_1', exp: 2_000_000_000 }

function jwt(claims: unknown): string {
  const encode = (value: unknown): string => {
    const bytes = new TextEncoder().encode(JSON.stringify(value))
    return btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '')
  }
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`
}

describe('parseTokenClaims', () => {
  it('keeps the known claims and drops the rest', () => {
    expect(parseTokenClaims({ ...valid, iat: 1, nbf: 2, extra: true })).toEqual({ ...valid, iat: 1, nbf: 2 })
  })

  it('keeps a boolean admin claim, and leaves it out when absent', () => {
    expect(parseTokenClaims({ ...valid, admin: true })).toEqual({ ...valid, admin: true })
    expect(parseTokenClaims({ ...valid, admin: false })).toEqual({ ...valid, admin: false })
    expect(parseTokenClaims(valid)).not.toHaveProperty('admin')
  })

  it('keeps a boolean onDeviceAgent claim on a user token', () => {
    expect(parseTokenClaims({ ...valid, onDeviceAgent: true })).toEqual({ ...valid, onDeviceAgent: true })
    expect(parseTokenClaims(valid)).not.toHaveProperty('onDeviceAgent')
  })

  it.each([
    ['a non-object', 'alice'],
    ['an array', [valid]],
    ['an empty sub', { ...valid, sub: '' }],
    ['an over-long sub', { ...valid, sub: 'a'.repeat(MAX_PRINCIPAL_ID_CHARS + 1) }],
    ['an unknown role', { ...valid, role: 'admin' }],
    ['an empty session', { ...valid, session: '' }],
    ['a negative expiry', { ...valid, exp: -1 }],
    ['an infinite expiry', { ...valid, exp: Number.POSITIVE_INFINITY }],
    ['an iat that is a string', { ...valid, iat: 'now' }],
    ['an admin claim that is a string', { ...valid, admin: 'true' }],
    ['an admin claim that is a number', { ...valid, admin: 1 }],
    ['an admin claim that is null', { ...valid, admin: null }],
    ['an onDeviceAgent claim that is a string', { ...valid, onDeviceAgent: 'true' }],
    ['an onDeviceAgent claim on an agent token', { ...valid, role: 'agent', onDeviceAgent: true }],
    ['an onDeviceAgent claim on an observer token', { ...valid, role: 'observer', onDeviceAgent: false }],
    ['a sub with the reserved on-device suffix', { ...valid, sub: 'alice/on-device' }],
  ])('refuses %s', (_label, value) => {
    expect(parseTokenClaims(value)).toBeUndefined()
  })
})

describe('scopeAllows / isPrincipalRole', () => {
  it('opens one session, or every session with *', () => {
    expect(scopeAllows('s_1', 's_1')).toBe(true)
    expect(scopeAllows('s_1', 's_2')).toBe(false)
    expect(scopeAllows(ANY_SESSION, 's_2')).toBe(true)
  })

  it('knows the three roles only', () => {
    expect(['agent', 'user', 'observer', 'admin', 1].map(isPrincipalRole)).toEqual([true, true, true, false, false])
  })
})

describe('decodeTokenClaims', () => {
  it('reads claims without checking the signature, including UTF-8 principal ids', () => {
    expect(decodeTokenClaims(jwt({ ...valid, sub: 'zoë' }))).toEqual({ ...valid, sub: 'zoë' })
  })

  it('returns undefined for anything that is not a readable JWT', () => {
    for (const token of ['', 'opaque-token', 'a.b', 'a.b.c', jwt({ sub: 'alice' })])
      expect(decodeTokenClaims(token)).toBeUndefined()
  })
})
