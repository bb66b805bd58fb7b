/**
 * A WebSocket that never gets through, for tests of the HTTP fallback without a proxy: the upgrade goes to a path
 * the server refuses, so the client's transport chooser moves to SSE (PROTOCOL.md §7.1).
 */
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'

/** Drop-in WebSocket class whose upgrades the server always refuses. */
export class BlockedWebSocket extends NodeWebSocket {
  constructor(url: string) {
    super(url.replace(ROUTES.WEBSOCKET, '/v1/blocked'))
  }
}
