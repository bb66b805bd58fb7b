/**
 * The one SESSION_DELETED error of an erased session (right to erasure, PROTOCOL.md §4): connections of the
 * session are closed with it on every node, and clients drop their copies when they receive it.
 */
import { SessionError } from '../../shared/errors/session-error.ts'

/** The error that ends `sessionId`'s connections once it is deleted. */
export function sessionDeleted(sessionId: string): SessionError {
  return new SessionError('SESSION_DELETED', `session ${sessionId} was deleted`, { details: { sessionId } })
}
