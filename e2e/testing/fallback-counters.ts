/**
 * Server options that count what the fallback tests assert on: SSE stream requests (each resume is one) and
 * Hocuspocus connections (a new one means a new sync).
 */
import type { IncomingMessage } from 'node:http'
import { FALLBACK_ROUTES } from '../../shared/protocol/http-fallback.ts'
import type { SessionServerOptions } from '../../server/session-server.ts'

/** Live counts, read by the test. */
export interface FallbackCounters {
  sseRequests: number
  connections: number
}

/** Counters and the server options that keep them, with the fallback heartbeat at `heartbeatMs`. */
export function countFallbackTraffic(heartbeatMs: number): {
  counters: FallbackCounters
  serverOptions: Partial<SessionServerOptions>
} {
  const counters: FallbackCounters = { sseRequests: 0, connections: 0 }
  return {
    counters,
    serverOptions: {
      fallback: { heartbeatMs },
      handleRequest: async (_request: IncomingMessage, _response: unknown, url: URL) => {
        if (url.pathname === FALLBACK_ROUTES.SSE) counters.sseRequests++
        return false
      },
      extensions: [
        {
          async onConnect() {
            counters.connections++
          },
        },
      ],
    },
  }
}
