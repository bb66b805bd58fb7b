/**
 * Token check for the HTTP session routes when auth is on (PROTOCOL.md §8.6): `Authorization: Bearer <token>`.
 * Reading one transcript needs a token scoped to that session (any role); listing needs scope `*`; creating needs
 * scope `*` and a role that writes (user or agent); reading its audit trail needs a token for that session with role
 * agent or observer (users would see other principals' connection ids). Deleting one needs a valid token here; the
 * ownership policy (authorize-session-action.ts) decides the rest, scope included, and every decision it makes is
 * reported as a security event. Health and the HTTP fallback frames are not guarded here — fallback frames carry the
 * same Auth message as a WebSocket.
 */
import type { IncomingMessage } from 'node:http'
import { ANY_SESSION, scopeAllows, type TokenClaims } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { matchSessionAuditPath, ROUTES } from '../../shared/protocol/routes.ts'
import type { AuthSecret } from './auth-secret.ts'
import { verifyToken } from './verify-token.ts'

/**
 * Checks the bearer token of a request to a session route; other paths pass unchecked. Returns the claims, if any.
 * @throws SessionError UNAUTHORIZED, TOKEN_EXPIRED, FORBIDDEN
 */
export function authorizeHttpRequest(
  request: IncomingMessage,
  url: URL,
  options: { secret: AuthSecret; nowMs?: number },
): TokenClaims | undefined {
  const path = url.pathname
  const isList = path === ROUTES.SESSIONS
  if (!isList && !path.startsWith(`${ROUTES.SESSIONS}/`)) return undefined
  const claims = verifyToken(bearerTokenOf(request), {
    secret: options.secret,
    ...(options.nowMs === undefined ? {} : { nowMs: options.nowMs }),
  })
  if (isList) {
    if (claims.session !== ANY_SESSION)
      throw forbidden('listing or creating sessions needs a token scoped to every session (*)')
    if (request.method === 'POST' && claims.role === 'observer') throw forbidden('observers cannot create sessions')
    return claims
  }
  const audited = matchSessionAuditPath(path)
  if (audited === undefined && request.method === 'DELETE') return claims
  const sessionId = safeDecode(audited ?? path.slice(ROUTES.SESSIONS.length + 1))
  if (!scopeAllows(claims.session, sessionId)) throw forbidden(`this token does not open session ${sessionId}`)
  if (audited !== undefined && claims.role === 'user')
    throw forbidden('the audit trail needs an agent or observer token')
  return claims
}

/** The token of an `Authorization: Bearer <token>` header; '' when there is none. */
export function bearerTokenOf(request: IncomingMessage): string {
  return /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? ''
}

function forbidden(message: string): SessionError {
  return new SessionError('FORBIDDEN', message)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text // reason: the sessions API rejects the malformed id itself
  }
}
