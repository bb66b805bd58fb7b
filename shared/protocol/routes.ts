/**
 * Paths of every server route (PROTOCOL.md §2, §4). Server and clients build URLs only from these.
 */

/** HTTP and WebSocket paths served on the server's one port. */
export const ROUTES = {
  HEALTH: '/healthz',
  WEBSOCKET: '/v1/ws',
  SESSIONS: '/v1/sessions',
  /** Prometheus metrics (text format). */
  METRICS: '/metrics',
  /** The operators' live inspector page; its script is served under this path too. */
  INSPECT: '/v1/inspect',
} as const

/** Path of one session's transcript. */
export function sessionPath(sessionId: string): string {
  return `${ROUTES.SESSIONS}/${encodeURIComponent(sessionId)}`
}

/** Largest JSON body the HTTP API accepts, in bytes. */
export const MAX_JSON_BODY_BYTES = 64 * 1024

/** Last segment of a session's audit trail path (PROTOCOL.md §3.9, §4). */
const AUDIT_SEGMENT = 'audit'

/** Path of one session's audit trail. */
export function sessionAuditPath(sessionId: string): string {
  return `${sessionPath(sessionId)}/${AUDIT_SEGMENT}`
}

/** The still URI-encoded session id of an audit trail path, or undefined when `pathname` is not one. */
export function matchSessionAuditPath(pathname: string): string | undefined {
  const prefix = `${ROUTES.SESSIONS}/`
  const suffix = `/${AUDIT_SEGMENT}`
  if (!pathname.startsWith(prefix) || !pathname.endsWith(suffix)) return undefined
  const encoded = pathname.slice(prefix.length, -suffix.length)
  return encoded.length > 0 && !encoded.includes('/') ? encoded : undefined
}

/** Last segment of a session's presence path (PROTOCOL.md §9.9). */
const PRESENCE_SEGMENT = 'presence'

/** Path of one session's presence over HTTP: its devices, and announcements by HTTP clients. */
export function sessionPresencePath(sessionId: string): string {
  return `${sessionPath(sessionId)}/${PRESENCE_SEGMENT}`
}

/** The still URI-encoded session id of a presence path, or undefined when `pathname` is not one. */
export function matchSessionPresencePath(pathname: string): string | undefined {
  const prefix = `${ROUTES.SESSIONS}/`
  const suffix = `/${PRESENCE_SEGMENT}`
  if (!pathname.startsWith(prefix) || !pathname.endsWith(suffix)) return undefined
  const encoded = pathname.slice(prefix.length, -suffix.length)
  return encoded.length > 0 && !encoded.includes('/') ? encoded : undefined
}
