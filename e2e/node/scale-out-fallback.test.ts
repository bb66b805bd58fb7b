/**
 * HTTP fallback across nodes: three nodes behind nginx (nginx-cluster.conf.template), a viewer whose
 * WebSockets cannot connect falls back to SSE + POST through nginx, which routes every request of one connection
 * id `cid` to one node (PROTOCOL.md §7.6, `hash $arg_cid`). An agent streams on another node; the viewer gets every
 * token once and its message reaches the agent once. Then the viewer's node stops: the viewer reconnects through
 * nginx to a surviving node and its next message and the reply to it arrive once.
 */
import { describe, expect } from 'vitest'
import type { IncomingMessage } from 'node:http'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { FALLBACK_ROUTES } from '../../shared/protocol/http-fallback.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import { startProxy } from '../proxies/start-proxy.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { createTestRedisPrefix } from '../testing/test-redis.ts'

/** A WebSocket that never connects (the port refuses), so the client must fall back to HTTP. */
class RefusedWebSocket extends NodeWebSocket {
  constructor(url: string) {
    super(url.replace(/:\d+\//, ':1/'))
  }
}

const FALLBACK_PATHS: readonly string[] = Object.values(FALLBACK_ROUTES)

describe('HTTP fallback across nodes', () => {
  testWithStore('postgres')(
    'requests of one fallback connection stay on one node through nginx, also after that node goes away',
    async ({ startServer, sessionId, onTestFinished }) => {
      const redis = createTestRedisPrefix()
      onTestFinished(() => redis.remove())
      /** Node index of each fallback request, by `cid`. */
      const nodesByCid = new Map<string, Set<number>>()
      const nodes: SessionServer[] = []
      for (let index = 0; index < 3; index++) {
        nodes.push(
          await startServer({
            redis: { url: redis.url, prefix: redis.prefix },
            handleRequest: async (_request: IncomingMessage, _response: unknown, url: URL) => {
              const cid = url.searchParams.get('cid')
              if (cid !== null && FALLBACK_PATHS.includes(url.pathname))
                nodesByCid.set(cid, (nodesByCid.get(cid) ?? new Set()).add(index))
              return false
            },
          }),
        )
      }
      const proxy = await startProxy(
        'cluster',
        nodes.map((node) => node.port),
      )
      onTestFinished(() => proxy.stop())
      const viewer = createSessionClient({
        url: `ws://127.0.0.1:${proxy.port}${ROUTES.WEBSOCKET}`,
        sessionId,
        principalId: 'user-1',
        WebSocket: RefusedWebSocket,
        transport: { websocketTimeoutMs: 1_000, sseHelloTimeoutMs: 3_000, upgradeProbeMs: 600_000 },
      })
      onTestFinished(() => {
        viewer.destroy()
      })
      await viewer.waitForSynced(15_000)
      expect(viewer.transport).toBe('sse')
      const fallbackNode = [...([...nodesByCid.values()][0] ?? [])][0]
      const agentNode = nodes[((fallbackNode ?? 0) + 1) % nodes.length] as SessionServer
      const agent = await createAgentSession({ url: agentNode.websocketUrl, sessionId, agentId: 'agent-1' })
      onTestFinished(() => {
        agent.client.destroy()
      })
      const streams: Array<Promise<unknown>> = []
      agent.onUserMessage((message) => {
        streams.push(agent.startReply({ replyTo: message.id }).pipe(numberedTokens(500)))
      })
      const replies = (): string[] =>
        viewer
          .messages()
          .filter((message) => message.role === 'assistant')
          .map((message) => message.text)
      const asked = (): string[] =>
        agent.client
          .messages()
          .filter((message) => message.role === 'user')
          .map((message) => message.text)

      viewer.sendMessage('via the fallback, through nginx')
      await expect.poll(() => streams.length, { timeout: 10_000 }).toBe(1)
      await expect(streams[0]).resolves.toBe('done')
      await expect.poll(replies, { timeout: 20_000 }).toEqual([expectedText(500)])
      await viewer.waitUntilDurable(15_000)

      const onOneNode = (cids: readonly string[]): number[] => cids.map((cid) => nodesByCid.get(cid)?.size ?? 0)
      const cidsBefore = [...nodesByCid.keys()]
      expect(onOneNode(cidsBefore)).toEqual(cidsBefore.map(() => 1))

      // The viewer's node goes away: its next fallback connection (a new cid) lands on a surviving node. (Requests of
      // the old cid that were still under way reach another node, which does not know it: the client starts over.)
      await (nodes[fallbackNode ?? 0] as SessionServer).close()
      viewer.sendMessage('after my node went away')
      await expect.poll(() => streams.length, { timeout: 20_000 }).toBe(2)
      await expect(streams[1]).resolves.toBe('done')
      await expect.poll(replies, { timeout: 20_000 }).toEqual([expectedText(500), expectedText(500)])
      expect(asked()).toEqual(['via the fallback, through nginx', 'after my node went away'])
      expect(viewer.transport).toBe('sse')
      const cidsAfter = [...nodesByCid.keys()].filter((cid) => !cidsBefore.includes(cid))
      expect(cidsAfter.length).toBeGreaterThan(0)
      expect(onOneNode(cidsAfter)).toEqual(cidsAfter.map(() => 1))
      expect(cidsAfter.every((cid) => !(nodesByCid.get(cid)?.has(fallbackNode ?? 0) ?? true))).toBe(true)
    },
  )
})
