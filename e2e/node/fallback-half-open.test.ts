/**
 * Half-open detection on the HTTP fallback: a stream that goes silent — no frame and no heartbeat
 * for `silenceTimeoutMs`, as when a proxy or NAT silently drops it — is abandoned and resumed on the same
 * connection, with no frame lost and no new sync.
 */
import { describe, expect } from 'vitest'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import { countFallbackTraffic } from '../testing/fallback-counters.ts'
import { BlockedWebSocket } from '../testing/blocked-websocket.ts'
import { testWithStore } from '../testing/fixtures.ts'

// Heartbeats far apart: a quiet stream looks exactly like a dead one to a client that expects them sooner.
const { counters, serverOptions } = countFallbackTraffic(60_000)
const test = testWithStore('sqlite', serverOptions)

describe('fallback half-open detection', () => {
  test('a silent stream is dropped and resumed on the same connection without loss', async ({
    connectClient,
    connectAgent,
  }) => {
    const viewer = connectClient({
      WebSocket: BlockedWebSocket,
      transport: { websocketTimeoutMs: 1_000, silenceTimeoutMs: 400, upgradeProbeMs: 60_000 },
    })
    await expect.poll(() => viewer.transport, { timeout: 10_000 }).toBe('sse')
    await viewer.waitForSynced()
    const connections = counters.connections
    const streams = counters.sseRequests
    // Nothing is sent for a while: the watchdog must give up on the silent stream and open another, twice.
    await expect.poll(() => counters.sseRequests, { timeout: 10_000 }).toBeGreaterThanOrEqual(streams + 2)
    const agent = await connectAgent()
    await expect(agent.startReply().pipe(numberedTokens(300))).resolves.toBe('done')
    await expect.poll(() => viewer.messages()[0]?.text, { timeout: 10_000 }).toBe(expectedText(300))
    expect(counters.connections - connections).toBe(1) // the agent's; the viewer kept its connection
    expect(viewer.transport).toBe('sse')
  })
})
