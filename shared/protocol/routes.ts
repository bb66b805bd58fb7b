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
export function sessionPath (sessionId: string): string {
  return `${ROUTES.SESSIONS}/${encodeURIComponent(sessionId)}`
}

/** Largest JSON body the HTTP API accepts, in bytes. */
export const MAX_JSON_BODY_BYTES = 64 * 1024
