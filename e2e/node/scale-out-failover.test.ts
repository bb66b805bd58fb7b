/**
 * CI-sized failover: three server processes on 127.0.0.1 share PostgreSQL and a private redis-server, behind
 * nginx (e2e/proxies/nginx-cluster.conf.template). An agent streams through nginx; viewers sit on the other two
 * nodes and on nginx. Mid-stream the agent's node is killed with SIGKILL: the agent reconnects through nginx to a
 * surviving node and resends what was not confirmed. Later the redis-server is killed and restarted empty while
 * tokens stream. Every token the agent saw confirmed before the kill must be in storage right after it, and at the
 * end the agent, every viewer and storage hold every token exactly once, in order.
 */
import { describe, expect, it, onTestFinished } from 'vitest'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import { countDuplicates, countMissing, countTokens, storedText, textOf, waitForText } from '../chaos/replica-text.ts'
import { startServerProcess, type ServerProcess } from '../chaos/server-process.ts'
import { startProxy } from '../proxies/start-proxy.ts'
import { startPrivateRedis } from '../testing/test-redis.ts'
import { createTestStore, TEST_POSTGRES_URL } from '../testing/test-store.ts'

const TOKENS = 3_000
const KILL_AT = 900
const REDIS_RESTART_AT = 1_900

describe('scale-out failover (3 nodes, nginx, PostgreSQL, Redis)', () => {
  it('survives kill -9 of the agent node and a Redis restart with nothing lost or duplicated', async () => {
    const store = createTestStore('postgres')
    onTestFinished(() => store.remove())
    const redis = await startPrivateRedis()
    onTestFinished(() => redis.stop())
    const env = { LIFELINE_REDIS: redis.url, LIFELINE_REDIS_PREFIX: 'failover' }
    const nodes: ServerProcess[] = []
    for (let index = 0; index < 3; index++)
      nodes.push(await startServerProcess({ store: `${TEST_POSTGRES_URL}?schema=${store.location}`, port: 0, env }))
    onTestFinished(async () => {
      for (const node of nodes) await node.kill()
    })
    const proxy = await startProxy(
      'cluster',
      nodes.map((node) => node.port),
    )
    onTestFinished(() => proxy.stop())

    const sessionId = `failover-${Date.now()}`
    const viaProxy = `ws://127.0.0.1:${proxy.port}${ROUTES.WEBSOCKET}`
    const agent = await createAgentSession({
      url: viaProxy,
      sessionId,
      agentId: 'agent-1',
      maxBufferChars: 48,
      reconnectDelayMs: 50,
      ackTimeoutMs: 60_000,
      syncTimeoutMs: 30_000,
    })
    onTestFinished(() => {
      agent.client.destroy()
    })
    const agentNode = await findNodeWithConnections(nodes, 1)
    const others = nodes.filter((node) => node !== agentNode)
    const viewerUrls = [...others.map((node) => `ws://127.0.0.1:${node.port}${ROUTES.WEBSOCKET}`), viaProxy]
    const viewers = viewerUrls.map((url, index) =>
      createSessionClient({
        url,
        sessionId,
        principalId: 'viewer',
        device: `viewer-${index}`,
        WebSocket: NodeWebSocket,
        reconnectDelayMs: 50,
      }),
    )
    onTestFinished(() => {
      for (const viewer of viewers) viewer.destroy()
    })
    await Promise.all(viewers.map((viewer) => viewer.waitForSynced()))

    let acknowledged = ''
    let ackedAtKill = ''
    let killedAt: number | undefined
    agent.client.on('durable', () => {
      acknowledged = textOf(agent.client)
      if (killedAt === undefined || acknowledged.length <= ackedAtKill.length) return
      console.log(
        `failover: the agent's writes confirmed again ${Math.round(performance.now() - killedAt)} ms after kill -9 of the agent's node`,
      )
      killedAt = undefined
    })
    const reply = agent.startReply()
    let missingAfterKill = -1
    const streamed = reply.pipe(
      numberedTokens(TOKENS, async (index) => {
        if (index % 100 === 0) await agent.client.waitUntilDurable(60_000)
        if (index === KILL_AT) {
          reply.flush()
          ackedAtKill = acknowledged
          await agentNode.kill()
          killedAt = performance.now()
          missingAfterKill = countMissing(ackedAtKill, await storedText(() => store.open(), sessionId))
        }
        if (index === REDIS_RESTART_AT) await redis.restart()
      }),
    )
    await expect(streamed).resolves.toBe('done')
    await agent.client.waitUntilDurable(60_000)

    const expected = expectedText(TOKENS)
    await Promise.all(viewers.map((viewer) => waitForText(viewer, expected)))
    const replicas = [textOf(agent.client), ...viewers.map(textOf), await storedText(() => store.open(), sessionId)]
    const summary = `acked at kill=${countTokens(ackedAtKill)} missing after kill=${missingAfterKill} lengths=${replicas.map((text) => text.length).join('/')}`
    expect(countTokens(ackedAtKill), summary).toBeGreaterThan(KILL_AT / 2)
    expect(missingAfterKill, summary).toBe(0)
    expect(replicas.map(countDuplicates), summary).toEqual(replicas.map(() => 0))
    expect(replicas, summary).toEqual(replicas.map(() => expected))
  }, 240_000)
})

/** The node whose /healthz reports `count` connections, polled for up to 10 s. */
async function findNodeWithConnections(nodes: readonly ServerProcess[], count: number): Promise<ServerProcess> {
  let found: ServerProcess | undefined
  await expect
    .poll(
      async () => {
        for (const node of nodes) {
          const health = (await (await fetch(`${node.url}${ROUTES.HEALTH}`)).json()) as { connections: number }
          if (health.connections === count) found = node
        }
        return found !== undefined
      },
      { timeout: 10_000 },
    )
    .toBe(true)
  return found as ServerProcess
}
