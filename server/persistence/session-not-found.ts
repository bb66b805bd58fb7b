/**
 * The one SESSION_NOT_FOUND error of a session without a record: never created, or deleted (right to erasure, on
 * any node). Stores refuse appends with it, so that a late write never re-creates an erased session.
 */
import { SessionError } from '../../shared/errors/session-error.ts'

/** The error of an operation on `sessionId`, which has no session record. */
export function sessionNotFound(sessionId: string): SessionError {
  return new SessionError('SESSION_NOT_FOUND', `session ${sessionId} does not exist`, { details: { sessionId } })
}
