/**
 * Security events the server reports to its operator (SessionServerAuthOptions.onSecurityEvent): failed
 * authentications, rejected updates and awareness states, clientIDs taken over by a newer connection, expired
 * tokens, every destructive action (session deletion), done or refused, and every refusal of the webhooks admin API
 * (a request without a valid token, or without `admin: true`, or naming a URL that may not receive webhooks). Each
 * carries the SessionError the client was closed or answered with, including `details.reason` for rejections, which
 * the close frame itself (a code only) does not; a deletion carries SESSION_DELETED, the error the session's
 * connections were closed with.
 */
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import type { SessionAction } from './authorize-session-action.ts'

/** What happened. */
export type SecurityEventKind =
  | 'authentication-failed'
  | 'update-rejected'
  | 'awareness-rejected'
  | 'client-id-taken-over'
  | 'token-expired'
  /** A limit of PROTOCOL.md §9 (update size, text length, rate); the error code says which. */
  | 'limit-exceeded'
  /** A token refresh (PROTOCOL.md §8.7) was refused. */
  | 'token-refresh-rejected'
  /** A session was deleted (docs/security.md § Destructive actions): the only record of it once its audit rows are erased. */
  | 'session-deleted'
  /**
   * A destructive or administrative action was refused: NOT_SESSION_OWNER, or FORBIDDEN for a token of another
   * session; on the webhooks admin API (PROTOCOL.md §9.13), FORBIDDEN for a token without `admin: true` and
   * WEBHOOK_URL_REJECTED for an endpoint URL the webhook URL check refuses.
   */
  | 'destructive-action-refused'
  /** A frame that is not a well-formed Lifeline frame (PROTOCOL.md §2.5); `details.reason` says why, `details.closed` whether it ended the connection. */
  | 'bad-frame'
  /**
   * The message policy redacted or refused a text, or failed (PROTOCOL.md §8.8): POLICY_REJECTED with
   * `details.action` (`redact`, `reject`), `details.cause` for refusals, `details.kind` and `details.messageId`.
   */
  | 'policy-decision'

/** An action of the webhooks admin API (PROTOCOL.md §9.13), as named in its security events. */
export type WebhookAdminAction =
  | 'webhook-list'
  | 'webhook-add'
  | 'webhook-read'
  | 'webhook-delete'
  | 'dead-letters-read'
  | 'dead-letters-replay'

/** One security event. */
export interface SecurityEvent {
  readonly kind: SecurityEventKind
  /** The session concerned; `*` for the webhooks admin API, which concerns every session. */
  readonly sessionId: string
  /** The principal of the connection or request, once authenticated (absent with auth off). */
  readonly principalId?: string
  /** Destructive actions: the role of the principal's token (absent with auth off). */
  readonly role?: PrincipalRole
  /** Destructive actions: true when the token carried `admin: true`. */
  readonly admin?: boolean
  /**
   * Destructive actions: which action was attempted; `expire` when the retention sweep erased the session (PROTOCOL.md
   * §13); a {@link WebhookAdminAction} on the webhooks admin API.
   */
  readonly action?: SessionAction | 'expire' | WebhookAdminAction
  /** Destructive actions: whether it was done. */
  readonly outcome?: 'allowed' | 'refused'
  readonly error: SessionError
}

/** Receives security events; must not throw. */
export type SecurityEventListener = (event: SecurityEvent) => void

/** Wraps `listener` so that a failing listener never changes how the server answers the client. */
export function toSafeListener(listener: SecurityEventListener | undefined): SecurityEventListener {
  if (listener === undefined) return () => undefined
  return (event) => {
    try {
      listener(event)
    } catch {
      // reason: reporting must not turn a coded rejection into a different failure
    }
  }
}
