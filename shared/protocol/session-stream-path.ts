/**
 * Where a session's event stream lives among the Durable Streams (PROTOCOL.md §9.6): the reserved `sessions/`
 * namespace below the stream route prefix. Apart from `durable-streams.ts` so that the generic streams never
 * know about sessions.
 */
import { STREAM_ROUTE_PREFIX } from './durable-streams.ts'

/** Stream paths under this namespace are session event streams (PROTOCOL.md §9.6); generic streams cannot live there. */
export const SESSION_STREAM_NAMESPACE = 'sessions/'

/** Path of the event stream of one session. */
export function sessionStreamPath(sessionId: string): string {
  return `${STREAM_ROUTE_PREFIX}${SESSION_STREAM_NAMESPACE}${encodeURIComponent(sessionId)}`
}
