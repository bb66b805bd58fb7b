/**
 * Verifies a session token (PROTOCOL.md §8.1): exactly three base64url parts, header `alg` HS256 (no `none`, no
 * algorithm switching), a constant-time signature check, well-formed claims, then `nbf`/`exp` against the clock.
 * Every failure is a SessionError: UNAUTHORIZED, or TOKEN_EXPIRED for an expired but otherwise valid token.
 */
import { timingSafeEqual } from 'node:crypto'
import { MAX_TOKEN_CHARS, parseTokenClaims, TOKEN_ALGORITHM, type TokenClaims } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { toSecretKey, type AuthSecret } from './auth-secret.ts'
import { signPart } from './sign-token.ts'

/** Options of {@link verifyToken}. */
export interface VerifyTokenOptions {
  readonly secret: AuthSecret
  /** Clock in ms (default Date.now). */
  readonly nowMs?: number
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * The claims of a valid token.
 * @throws SessionError UNAUTHORIZED (missing, malformed, wrong algorithm, bad signature), TOKEN_EXPIRED
 */
export function verifyToken(token: string, options: VerifyTokenOptions): TokenClaims {
  if (token.length === 0) throw unauthorized('a token is required', 'missing')
  if (token.length > MAX_TOKEN_CHARS) throw unauthorized('token too long', 'malformed')
  const parts = token.split('.')
  const [header, payload, signature] = parts
  if (
    parts.length !== 3 ||
    header === undefined ||
    payload === undefined ||
    signature === undefined ||
    !parts.every((part) => BASE64URL.test(part))
  ) {
    throw unauthorized('token is not a compact JWT', 'malformed')
  }
  const headerJson = readJson(header)
  if (
    typeof headerJson !== 'object' ||
    headerJson === null ||
    (headerJson as { alg?: unknown }).alg !== TOKEN_ALGORITHM
  ) {
    throw unauthorized(`token algorithm must be ${TOKEN_ALGORITHM}`, 'algorithm')
  }
  const expected = Buffer.from(signPart(`${header}.${payload}`, toSecretKey(options.secret)))
  const actual = Buffer.from(signature)
  if (actual.byteLength !== expected.byteLength || !timingSafeEqual(actual, expected)) {
    throw unauthorized('token signature does not match', 'signature')
  }
  const claims = parseTokenClaims(readJson(payload))
  if (claims === undefined) throw unauthorized('token claims are missing or malformed', 'claims')
  const nowSeconds = (options.nowMs ?? Date.now()) / 1000
  if (claims.nbf !== undefined && nowSeconds < claims.nbf) throw unauthorized('token is not valid yet', 'not-before')
  if (nowSeconds >= claims.exp) {
    throw new SessionError('TOKEN_EXPIRED', 'token has expired', { details: { sub: claims.sub, exp: claims.exp } })
  }
  return claims
}

function unauthorized(message: string, problem: string): SessionError {
  return new SessionError('UNAUTHORIZED', message, { details: { problem } })
}

function readJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    return undefined // reason: the caller reports an unreadable part as a malformed token
  }
}
