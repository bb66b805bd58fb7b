/**
 * A viewer reaches the server only through a real, hostile proxy from Debian (nginx, squid)
 * while an agent streams directly. Whatever the proxy does — refuse WebSockets, buffer event streams, cut idle or
 * long connections — the viewer must end with the agent's full text exactly once, and its own message must reach
 * the agent exactly once. Detection times are printed (they are not asserted).
 */
import { describe, expect } from 'vitest'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import type { TransportKind } from '../../client/core/transports/choose-transport.ts'
import { startProxy, type ProxyScenario, type RunningProxy } from '../proxies/start-proxy.ts'
import { countFallbackTraffic } from '../testing/fallback-counters.ts'
import { testWithStore } from '../testing/fixtures.ts'

const { counters, serverOptions } = countFallbackTraffic(10_000)
const test = testWithStore('sqlite', serverOptions)

const TRANSPORT_OPTIONS = { websocketTimeoutMs: 1_500, sseHelloTimeoutMs: 1_500, upgradeProbeMs: 60_000 }

const assistantText = (client: SessionClient): string | undefined =>
  client.messages().find((message) => message.role === 'assistant')?.text

function waitForTransport(client: SessionClient, transport: TransportKind): Promise<number> {
  const started = Date.now()
  return expect
    .poll(() => client.transport, { timeout: 15_000 })
    .toBe(transport)
    .then(() => Date.now() - started)
}

describe('fallback through real proxies', () => {
  const cases: Array<{ scenario: ProxyScenario; transport: TransportKind }> = [
    { scenario: 'no-upgrade', transport: 'sse' },
    { scenario: 'gzip-sse', transport: 'long-poll' },
    { scenario: 'websocket-ok', transport: 'websocket' },
  ]
  for (const { scenario, transport } of cases) {
    test(`${scenario}: the viewer uses ${transport} and gets every token once`, async ({
      server,
      sessionId,
      connectClient,
      connectAgent,
    }) => {
      const proxy = await startProxy(scenario, server.port)
      try {
        const viewer = connectClient({
          url: `ws://127.0.0.1:${proxy.port}${ROUTES.WEBSOCKET}`,
          transport: TRANSPORT_OPTIONS,
        })
        const detectedMs = await waitForTransport(viewer, transport)
        console.log(`${scenario}: transport ${transport} chosen after ${detectedMs} ms`)
        await viewer.waitForSynced(15_000)
        const agent = await connectAgent()
        let streamed: Promise<unknown> | undefined
        agent.onUserMessage((message) => {
          streamed = agent.startReply({ replyTo: message.id }).pipe(numberedTokens(400))
        })
        viewer.sendMessage('through the proxy')
        await expect.poll(() => streamed, { timeout: 10_000 }).toBeDefined()
        await expect(streamed).resolves.toBe('done')
        await expect.poll(() => assistantText(viewer), { timeout: 20_000 }).toBe(expectedText(400))
        await viewer.waitUntilDurable(15_000)
        expect(
          agent.client
            .messages()
            .filter((message) => message.role === 'user')
            .map((message) => message.text),
        ).toEqual(['through the proxy'])
        expect(viewer.transport).toBe(transport)
        expect(sessionId).toBeTruthy()
      } finally {
        await proxy.stop()
      }
    })
  }

  for (const scenario of ['idle-cut', 'squid-lifetime'] as const) {
    test(`${scenario}: a cut stream resumes on the same connection, without a new sync`, async ({
      server,
      connectClient,
      connectAgent,
    }) => {
      const proxy = await startProxy(scenario, server.port)
      try {
        const viewer = connectClient({
          url: `ws://127.0.0.1:${proxy.port}${ROUTES.WEBSOCKET}`,
          transport: TRANSPORT_OPTIONS,
          // The connection heartbeat probes a quiet stream every second, which keeps nginx's 3 s idle timer from
          // ever firing; without it the stream goes quiet while the agent waits, and the proxy cuts it.
          ...(scenario === 'idle-cut' ? { heartbeat: false as const } : {}),
        })
        await waitForTransport(viewer, 'sse')
        await viewer.waitForSynced(15_000)
        const connectionsBefore = counters.connections
        const streamsBefore = counters.sseRequests
        const agent = await connectAgent()
        const reply = agent.startReply()
        const streamed = reply.pipe(
          numberedTokens(600, async (index) => {
            // Halfway, wait until the proxy has cut the viewer's stream at least once and it came back.
            if (index === 300)
              await expect.poll(() => counters.sseRequests, { timeout: 15_000 }).toBeGreaterThan(streamsBefore)
          }),
        )
        await expect(streamed).resolves.toBe('done')
        await expect.poll(() => assistantText(viewer), { timeout: 20_000 }).toBe(expectedText(600))
        console.log(
          `${scenario}: ${counters.sseRequests - streamsBefore} stream reconnects, ${counters.connections - connectionsBefore - 1} new viewer connections`,
        )
        expect(counters.connections - connectionsBefore).toBe(1) // only the agent connected: the viewer never re-synced
        expect(viewer.transport).toBe('sse')
      } finally {
        await proxy.stop()
      }
    })
  }

  test('upgrades back to WebSocket once the blocking proxy is gone', async ({
    server,
    connectClient,
    connectAgent,
  }) => {
    let proxy: RunningProxy = await startProxy('no-upgrade', server.port)
    try {
      const viewer = connectClient({
        url: `ws://127.0.0.1:${proxy.port}${ROUTES.WEBSOCKET}`,
        transport: { ...TRANSPORT_OPTIONS, upgradeProbeMs: 1_000 },
      })
      await waitForTransport(viewer, 'sse')
      await viewer.waitForSynced(15_000)
      const agent = await connectAgent()
      const reply = agent.startReply()
      const streamed = reply.pipe(
        numberedTokens(800, async (index) => {
          if (index !== 200) return
          const port = proxy.port
          await proxy.stop()
          proxy = await startProxy('websocket-ok', server.port, port)
          const upgradedMs = await waitForTransport(viewer, 'websocket')
          console.log(`upgrade back to websocket after ${upgradedMs} ms`)
        }),
      )
      await expect(streamed).resolves.toBe('done')
      await expect.poll(() => assistantText(viewer), { timeout: 20_000 }).toBe(expectedText(800))
      expect(viewer.transport).toBe('websocket')
    } finally {
      await proxy.stop()
    }
  })
})
