/**
 * Issues session tokens: JWT compact form `base64url(header).base64url(claims).base64url(HMAC-SHA256)` with
 * header `{"alg":"HS256","typ":"JWT"}` (PROTOCOL.md §8.1). Any JWT library can verify them with the same secret.
 *
 *   const token = signToken(createTokenClaims({ sub: 'alice', role: 'user', session: 's_abc', ttlSeconds: 3600 }), secret)
 */
import { createHmac } from 'node:crypto'
import { TOKEN_ALGORITHM, type PrincipalRole, type TokenClaims } from '../../shared/auth/token-claims.ts'
import { toSecretKey, type AuthSecret } from './auth-secret.ts'

/** Default lifetime of a token made by createTokenClaims: 1 hour. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600

const HEADER = Buffer.from(JSON.stringify({ alg: TOKEN_ALGORITHM, typ: 'JWT' })).toString('base64url')

/** Signs `claims` with `secret`. */
export function signToken(claims: TokenClaims, secret: AuthSecret): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  return `${body}.${signPart(body, toSecretKey(secret))}`
}

/**
 * Claims for a principal, issued now and expiring after `ttlSeconds` (default 1 hour); `admin: true` and
 * `onDeviceAgent: true` only when asked (the latter makes the token malformed on any role but `user`).
 */
export function createTokenClaims(init: {
  sub: string
  role: PrincipalRole
  session: string
  ttlSeconds?: number
  /** Grants destructive and administrative actions on the sessions `session` admits (TokenClaims.admin). */
  admin?: boolean
  /** Display name (TokenClaims.name). */
  name?: string
  /** Grants replies as the person's on-device agent (TokenClaims.onDeviceAgent; user tokens only). */
  onDeviceAgent?: boolean
  /** Clock in ms (default Date.now). */
  nowMs?: number
}): TokenClaims {
  const iat = Math.floor((init.nowMs ?? Date.now()) / 1000)
  return {
    sub: init.sub,
    role: init.role,
    session: init.session,
    iat,
    exp: iat + (init.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS),
    ...(init.admin === true ? { admin: true } : {}),
    ...(init.name === undefined ? {} : { name: init.name }),
    ...(init.onDeviceAgent === true ? { onDeviceAgent: true } : {}),
  }
}

/** base64url HMAC-SHA256 of `body` (header.claims), shared with verifyToken. */
export function signPart(body: string, key: Buffer): string {
  return createHmac('sha256', key).update(body).digest('base64url')
}
