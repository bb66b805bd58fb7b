/**
 * Token codec: sign/verify round trip, every way a token is refused (with its code and problem), the clock rules,
 * and interoperability with the JWS spec's own HS256 example (RFC 7515 A.1).
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MAX_TOKEN_CHARS } from '../../shared/auth/token-claims.ts'
import { isSessionError } from '../../shared/errors/session-error.ts'
import { MIN_AUTH_SECRET_BYTES, toSecretKey } from './auth-secret.ts'
import { createTokenClaims, signToken } from './sign-token.ts'
import { verifyToken } from './verify-token.ts'

const SECRET = 'unit-test-secret-unit-test-secret-0001'
const NOW_MS = 1_800_000_000_000
const claims = createTokenClaims({ sub: 'alice', role: 'user', session: 's_1', ttlSeconds: 60, nowMs: NOW_MS })

function failure(run: () => unknown): { code: string; problem: unknown } {
  try {
    run()
  } catch (error) {
    if (isSessionError(error)) return { code: error.code, problem: error.details.problem }
    throw error
  }
  throw new Error('expected a failure')
}

function part(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

describe('signToken / verifyToken', () => {
  it('round-trips claims and produces a compact JWT with an HS256 header', () => {
    const token = signToken(claims, SECRET)
    expect(token.split('.')).toHaveLength(3)
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    })
    expect(verifyToken(token, { secret: SECRET, nowMs: NOW_MS })).toEqual(claims)
    expect(claims).toEqual({ sub: 'alice', role: 'user', session: 's_1', iat: NOW_MS / 1000, exp: NOW_MS / 1000 + 60 })
  })

  it('round-trips the admin claim, which createTokenClaims sets only when asked', () => {
    const admin = createTokenClaims({ sub: 'ops', role: 'observer', session: '*', admin: true, nowMs: NOW_MS })
    expect(verifyToken(signToken(admin, SECRET), { secret: SECRET, nowMs: NOW_MS })).toMatchObject({
      sub: 'ops',
      admin: true,
    })
    expect(createTokenClaims({ sub: 'alice', role: 'user', session: 's_1', admin: false })).not.toHaveProperty('admin')
  })

  it('accepts the secret as bytes', () => {
    const bytes = new TextEncoder().encode(SECRET)
    expect(verifyToken(signToken(claims, bytes), { secret: SECRET, nowMs: NOW_MS }).sub).toBe('alice')
  })

  it('verifies the signature of RFC 7515 A.1 (a JWS made elsewhere) and then refuses its non-Lifeline claims', () => {
    const key = Buffer.from(
      'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow',
      'base64url',
    )
    const token =
      'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'
    expect(failure(() => verifyToken(token, { secret: key, nowMs: 0 }))).toEqual({
      code: 'UNAUTHORIZED',
      problem: 'claims',
    })
    expect(failure(() => verifyToken(`${token.slice(0, -1)}j`, { secret: key, nowMs: 0 })).problem).toBe('signature')
  })

  it('refuses a token expired at or before now with TOKEN_EXPIRED, and one not valid yet', () => {
    const token = signToken(claims, SECRET)
    expect(verifyToken(token, { secret: SECRET, nowMs: NOW_MS + 59_999 }).sub).toBe('alice')
    expect(failure(() => verifyToken(token, { secret: SECRET, nowMs: NOW_MS + 60_000 })).code).toBe('TOKEN_EXPIRED')
    const early = signToken({ ...claims, nbf: NOW_MS / 1000 + 10 }, SECRET)
    expect(failure(() => verifyToken(early, { secret: SECRET, nowMs: NOW_MS }))).toEqual({
      code: 'UNAUTHORIZED',
      problem: 'not-before',
    })
  })

  const forged = (mutate: (token: string) => string): string => mutate(signToken(claims, SECRET))
  const refusals: Array<[string, () => string, string]> = [
    ['an empty token', () => '', 'missing'],
    ['two parts', () => forged((token) => token.split('.').slice(0, 2).join('.')), 'malformed'],
    ['four parts', () => forged((token) => `${token}.x`), 'malformed'],
    ['non-base64url characters', () => forged((token) => token.replace('.', '.+')), 'malformed'],
    ['an over-long token', () => 'a'.repeat(MAX_TOKEN_CHARS + 1), 'malformed'],
    ['another secret', () => signToken(claims, 'some-other-secret-some-other-secret-1'), 'signature'],
    [
      'claims changed after signing',
      () =>
        forged((token) => {
          const [header, , signature] = token.split('.')
          return `${header}.${part({ ...claims, role: 'agent' })}.${signature}`
        }),
      'signature',
    ],
    ['alg none', () => `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`, 'algorithm'],
    ['alg HS512', () => `${part({ alg: 'HS512' })}.${part(claims)}.x`, 'algorithm'],
    ['a header that is not JSON', () => `bm90IGpzb24.${part(claims)}.x`, 'algorithm'],
    ['a role outside the table', () => sign({ ...claims, role: 'admin' }), 'claims'],
    ['no sub', () => sign({ role: 'user', session: 's_1', exp: claims.exp }), 'claims'],
    ['no expiry', () => sign({ sub: 'alice', role: 'user', session: 's_1' }), 'claims'],
    ['an expiry that is not a number', () => sign({ ...claims, exp: '2099-01-01' }), 'claims'],
    ['an admin claim that is not a boolean', () => sign({ ...claims, admin: 'yes' }), 'claims'],
  ]

  it.each(refusals)('refuses %s with UNAUTHORIZED', (_label, make, problem) => {
    expect(failure(() => verifyToken(make(), { secret: SECRET, nowMs: NOW_MS }))).toEqual({
      code: 'UNAUTHORIZED',
      problem,
    })
  })
})

describe('toSecretKey', () => {
  it(`refuses secrets shorter than ${MIN_AUTH_SECRET_BYTES} bytes`, () => {
    expect(() => toSecretKey('short')).toThrow(/at least 32 bytes/)
    expect(() => signToken(claims, 'x'.repeat(MIN_AUTH_SECRET_BYTES - 1))).toThrow()
    expect(toSecretKey('x'.repeat(MIN_AUTH_SECRET_BYTES)).byteLength).toBe(MIN_AUTH_SECRET_BYTES)
  })
})

/** Signs arbitrary (possibly invalid) claims the way signToken would. */
function sign(body: Record<string, unknown>): string {
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(body)}`
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`
}
