/**
 * Test fixtures: a real session server on 127.0.0.1 port 0 backed by real storage (a fresh SQLite file, or a
 * fresh PostgreSQL schema with `testWithStore('postgres')`), a session id unique to the test, and factories for
 * real WebSocket clients and agents that are closed on teardown.
 */
import { test as base } from 'vitest'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient, type SessionClient, type SessionClientOptions } from '../../client/core/session-client.ts'
import { createAgentSession, type AgentSession, type AgentSessionOptions } from '../../client/agent/agent-session.ts'
import { createSessionServer, type SessionServer, type SessionServerOptions } from '../../server/session-server.ts'
import { createTestStore, type StoreKind, type TestStore } from './test-store.ts'

/** Options a test may override when it starts extra servers. */
export type ServerFactory = (overrides?: Partial<SessionServerOptions>) => Promise<SessionServer>

/** Fixtures available to server and client tests. */
export interface SessionFixtures {
  /** This test's storage, removed after the test. */
  store: TestStore
  /** Starts a server on `store` (closed on teardown unless the test closed it). */
  startServer: ServerFactory
  server: SessionServer
  sessionId: string
  /** Opens a client to `server` for `sessionId`; destroyed on teardown. */
  connectClient: (options?: Partial<SessionClientOptions>) => SessionClient
  /** Attaches an agent to `server` for `sessionId`; closed on teardown. */
  connectAgent: (options?: Partial<AgentSessionOptions>) => Promise<AgentSession>
}

/** The fixtures on storage of `kind`; `serverOptions` apply to every server the test starts. */
export function testWithStore(kind: StoreKind, serverOptions: Partial<SessionServerOptions> = {}) {
  return base.extend<SessionFixtures>({
    // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; it has none
    store: async ({}, use) => {
      const store = createTestStore(kind)
      await use(store)
      await store.remove()
    },
    startServer: async ({ store }, use) => {
      const servers: SessionServer[] = []
      const closed = new WeakSet<SessionServer>()
      await use(async (overrides = {}) => {
        const server = await createSessionServer({
          port: 0,
          updateLog: await store.open(),
          ...serverOptions,
          ...overrides,
        })
        const close = server.close
        const tracked: SessionServer = {
          ...server,
          close: async () => {
            closed.add(tracked)
            await close()
          },
        }
        servers.push(tracked)
        return tracked
      })
      for (const server of servers) if (!closed.has(server)) await server.close()
    },
    server: async ({ startServer }, use) => {
      await use(await startServer())
    },
    sessionId: async ({ task }, use) => {
      await use(`test-${task.id.replace(/[^A-Za-z0-9_-]/g, '-')}`)
    },
    connectClient: async ({ server, sessionId }, use) => {
      const clients: SessionClient[] = []
      await use((options = {}) => {
        const client = createSessionClient({
          url: server.websocketUrl,
          sessionId,
          principalId: 'user-1',
          WebSocket: NodeWebSocket,
          ...options,
        })
        clients.push(client)
        return client
      })
      for (const client of clients) if (client.status !== 'closed') client.destroy()
    },
    connectAgent: async ({ server, sessionId }, use) => {
      const agents: AgentSession[] = []
      await use(async (options = {}) => {
        const agent = await createAgentSession({ url: server.websocketUrl, sessionId, agentId: 'agent-1', ...options })
        agents.push(agent)
        return agent
      })
      for (const agent of agents) if (agent.client.status !== 'closed') agent.client.destroy()
    },
  })
}

/** The fixtures on SQLite, the default store. */
export const test = testWithStore('sqlite')
