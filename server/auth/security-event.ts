/**
 * Security events the server reports to its operator (SessionServerAuthOptions.onSecurityEvent): failed
 * authentications, rejected updates and awareness states, clientIDs taken over by a newer connection, expired
 * tokens. Each carries the SessionError the client was closed with, including `details.reason` for rejections,
 * which the close frame itself (a code only) does not.
 */
import type { SessionError } from '../../shared/errors/session-error.ts'

/** What happened. */
export type SecurityEventKind = 'authentication-failed' | 'update-rejected' | 'awareness-rejected' | 'client-id-taken-over' | 'token-expired'
  /** A limit of PROTOCOL.md §9 (update size, text length, rate); the error code says which. */
  | 'limit-exceeded'
  /** A token refresh (PROTOCOL.md §8.7) was refused. */
  | 'token-refresh-rejected'
  /** A frame that is not a well-formed Lifeline frame (PROTOCOL.md §2.5); `details.reason` says why, `details.closed` whether it ended the connection. */
  | 'bad-frame'

/** One security event. */
export interface SecurityEvent {
  readonly kind: SecurityEventKind
  readonly sessionId: string
  /** The principal of the connection, once authenticated. */
  readonly principalId?: string
  readonly error: SessionError
}

/** Receives security events; must not throw. */
export type SecurityEventListener = (event: SecurityEvent) => void

/** Wraps `listener` so that a failing listener never changes how the server answers the client. */
export function toSafeListener (listener: SecurityEventListener | undefined): SecurityEventListener {
  if (listener === undefined) return () => undefined
  return (event) => {
    try {
      listener(event)
    } catch {
      // reason: reporting must not turn a coded rejection into a different failure
    }
  }
}
