/**
 * The policy for destructive and administrative actions on a session (docs/security.md § Destructive actions,
 * PROTOCOL.md §8.6): deleting it and renaming it; clearing it will follow the same rule when it comes. With
 * auth off anyone may: there is no identity. With auth on, the token must open the session (`session` claim) and
 * either carry `admin: true` (any role) or name the session's owner — the principal that created it — with a role
 * that writes (user or agent). Everyone else is refused: other participants of a shared session may only leave it. A
 * session without an owner (created with auth off, or stored before owners were recorded) can only be handled by an
 * admin.
 */
import { scopeAllows, type TokenClaims } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { sessionNotFound } from '../persistence/session-not-found.ts'
import type { SessionRecord } from '../persistence/update-log.ts'
import type { SecurityEvent } from './security-event.ts'

/** A destructive or administrative action on a session. */
export type SessionAction = 'delete' | 'rename'

/** Who attempts which action on which session. */
export interface SessionActionAttempt {
  readonly action: SessionAction
  readonly sessionId: string
  /** The request's verified token; undefined only on a server without auth. */
  readonly claims: TokenClaims | undefined
}

/** What the policy decided; when refused, the error to answer with. */
export type SessionActionDecision =
  | { readonly outcome: 'allowed' }
  | { readonly outcome: 'refused'; readonly error: SessionError }

/**
 * Decides `attempt`. The token's scope is checked before the record is read, so a token for another session never
 * learns whether this one exists.
 * @throws SessionError SESSION_NOT_FOUND when a token that opens the session (or anyone, with auth off) names an unknown one
 */
export async function authorizeSessionAction(
  attempt: SessionActionAttempt,
  readRecord: () => Promise<SessionRecord | undefined>,
): Promise<SessionActionDecision> {
  const { action, sessionId, claims } = attempt
  if (claims !== undefined && !scopeAllows(claims.session, sessionId)) {
    return refused(
      new SessionError('FORBIDDEN', `this token does not open session ${sessionId}`, {
        details: { sessionId, action, scope: claims.session },
      }),
    )
  }
  const record = await readRecord()
  if (record === undefined) throw sessionNotFound(sessionId)
  if (claims === undefined || claims.admin === true) return ALLOWED
  if (claims.role !== 'observer' && claims.sub === record.owner) return ALLOWED
  return refused(
    new SessionError('NOT_SESSION_OWNER', refusalMessage(attempt, record, claims), { details: { sessionId, action } }),
  )
}

/** The fields of a security event that describe `attempt` (docs/operations.md § Logs). */
export function describeAttempt(
  attempt: SessionActionAttempt,
): Pick<SecurityEvent, 'sessionId' | 'principalId' | 'role' | 'admin' | 'action'> {
  const { claims } = attempt
  return {
    sessionId: attempt.sessionId,
    action: attempt.action,
    ...(claims === undefined ? {} : { principalId: claims.sub, role: claims.role }),
    ...(claims?.admin === true ? { admin: true } : {}),
  }
}

const ALLOWED: SessionActionDecision = { outcome: 'allowed' }

function refused(error: SessionError): SessionActionDecision {
  return { outcome: 'refused', error }
}

function refusalMessage(
  { action, sessionId }: SessionActionAttempt,
  record: SessionRecord,
  claims: TokenClaims,
): string {
  if (record.owner === null)
    return `session ${sessionId} has no owner (it was created without an identity): only an admin may ${action} it`
  if (claims.role === 'observer')
    return `only the owner of session ${sessionId} (with a user or agent token) or an admin may ${action} it; observer tokens are read-only`
  return `only the owner of session ${sessionId} (the principal that created it) or an admin may ${action} it`
}
