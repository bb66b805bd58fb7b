/**
 * Token check of the stream routes when auth is on (PROTOCOL.md §9.8), with `Authorization: Bearer <token>`:
 * a session stream is read with a token for that session (any role) and appended to by an `agent` or a `user` (which
 * commands each role may send is checked per command, session-commands.ts); a
 * generic stream needs a token for every session (`*`), and observers only read.
 */
import type { IncomingMessage } from 'node:http'
import { ANY_SESSION, scopeAllows, type TokenClaims } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { AuthSecret } from '../auth/auth-secret.ts'
import { verifyToken } from '../auth/verify-token.ts'

/** What a request is for. */
export type StreamAccess = { readonly kind: 'session'; readonly sessionId: string } | { readonly kind: 'generic' }

/**
 * The verified claims of the request's bearer token.
 * @throws SessionError UNAUTHORIZED, TOKEN_EXPIRED, FORBIDDEN
 */
export function authorizeStreamRequest(
  request: IncomingMessage,
  access: StreamAccess,
  options: { secret: AuthSecret; nowMs: number },
): TokenClaims {
  const match = /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '')
  const claims = verifyToken(match?.[1] ?? '', { secret: options.secret, nowMs: options.nowMs })
  const reads = request.method === 'GET' || request.method === 'HEAD'
  if (access.kind === 'generic') {
    if (claims.session !== ANY_SESSION)
      throw new SessionError('FORBIDDEN', 'generic streams need a token scoped to every session (*)')
    if (!reads && claims.role === 'observer') throw new SessionError('FORBIDDEN', 'observers only read streams')
    return claims
  }
  if (!scopeAllows(claims.session, access.sessionId))
    throw new SessionError('FORBIDDEN', `this token does not open session ${access.sessionId}`)
  if (!reads && claims.role === 'observer') {
    throw new SessionError('FORBIDDEN', 'observers only read a session stream', { details: { role: claims.role } })
  }
  return claims
}
