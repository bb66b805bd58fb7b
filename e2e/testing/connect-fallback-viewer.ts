/**
 * Opens an observer (`viewer`) whose WebSockets never get through, so it connects over the HTTP fallback's SSE mode
 * (PROTOCOL.md §7), and resolves once it is synced there. The upgrade probe waits a minute, so it stays on SSE.
 */
import { expect } from 'vitest'
import type { SessionClient, SessionClientOptions } from '../../client/core/session-client.ts'
import { BlockedWebSocket } from './blocked-websocket.ts'
import { tokenFor } from './test-tokens.ts'

/** Connects the viewer with `connectClient` (a fixture) and waits until it is synced over SSE. */
export async function connectFallbackViewer(
  connectClient: (options?: Partial<SessionClientOptions>) => SessionClient,
  sessionId: string,
): Promise<SessionClient> {
  const viewer = connectClient({
    token: tokenFor('viewer', 'observer', sessionId),
    WebSocket: BlockedWebSocket,
    transport: { websocketTimeoutMs: 1_000, upgradeProbeMs: 60_000 },
  })
  await expect.poll(() => viewer.transport, { timeout: 10_000 }).toBe('sse')
  await viewer.waitForSynced()
  return viewer
}
