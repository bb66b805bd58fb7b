/**
 * Who may scrape `GET /metrics`. Without auth and without a metrics token it is open, like `/healthz`. Otherwise
 * it needs `Authorization: Bearer <token>` where the token is either the server's static `metricsToken` (for a
 * Prometheus `authorization` block that cannot mint JWTs) or, with auth on, a signed token of role `observer`
 * scoped to every session (`*`): operators read, they never write.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { ANY_SESSION } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { AuthSecret } from '../auth/auth-secret.ts'
import { bearerTokenOf } from '../auth/authorize-http-request.ts'
import { verifyToken } from '../auth/verify-token.ts'

/** What guards the metrics route. */
export interface MetricsAccess {
  /** A static bearer token accepted on `/metrics`. */
  readonly metricsToken?: string
  /** The auth secret when auth is on. */
  readonly secret?: AuthSecret
}

/**
 * Throws unless the request may read metrics.
 * @throws SessionError UNAUTHORIZED (no or bad token), TOKEN_EXPIRED, FORBIDDEN (a valid token that is not an
 * observer token for `*`)
 */
export function authorizeMetricsRequest(request: IncomingMessage, access: MetricsAccess, nowMs: number): void {
  if (access.metricsToken === undefined && access.secret === undefined) return
  const token = bearerTokenOf(request)
  if (access.metricsToken !== undefined && sameText(token, access.metricsToken)) return
  if (access.secret === undefined)
    throw new SessionError('UNAUTHORIZED', 'metrics need the metrics token as bearer token')
  const claims = verifyToken(token, { secret: access.secret, nowMs })
  if (claims.role !== 'observer' || claims.session !== ANY_SESSION) {
    throw new SessionError(
      'FORBIDDEN',
      'metrics need an observer token scoped to every session (*) or the metrics token',
      { details: { role: claims.role } },
    )
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.byteLength === right.byteLength && timingSafeEqual(left, right)
}
