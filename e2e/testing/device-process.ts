/**
 * One device in a child process, for tests that freeze it (SIGSTOP) with its socket left open: a session client
 * (the SDK, over `ws`) that prints `SYNCED` once it holds the session and then keeps renewing its presence.
 *
 *   node --import tsx e2e/testing/device-process.ts <websocketUrl> <sessionId> <principalId> <device> <heartbeatMs>
 */
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient } from '../../client/core/session-client.ts'

const [url, sessionId, principalId, device, heartbeatMs] = process.argv.slice(2)
if (url === undefined || sessionId === undefined || principalId === undefined || device === undefined) {
  console.error('usage: device-process.ts <websocketUrl> <sessionId> <principalId> <device> <heartbeatMs>')
  process.exit(2)
}
const client = createSessionClient({
  url,
  sessionId,
  principalId,
  device,
  WebSocket: NodeWebSocket,
  presenceHeartbeatMs: Number(heartbeatMs),
})
await client.waitForSynced()
console.log('SYNCED')
