/**
 * Test fixtures: a real session server on 127.0.0.1 port 0 backed by a real SQLite file in a fresh temporary
 * folder, a session id unique to the test, and a factory for real WebSocket clients that are destroyed on
 * teardown.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test as base } from 'vitest'
import WebSocket from 'ws'
import { createSessionClient, type SessionClient, type SessionClientOptions } from '../../client/core/session-client.ts'
import { createAgentSession, type AgentSession, type AgentSessionOptions } from '../../client/agent/agent-session.ts'
import { createSessionServer, type SessionServer, type SessionServerOptions } from '../../server/session-server.ts'

/** Options a test may override when it starts extra servers. */
export type ServerFactory = (overrides?: Partial<SessionServerOptions>) => Promise<SessionServer>

/** Fixtures available to server and client tests. */
export interface SessionFixtures {
  /** Folder removed after the test. */
  dataDir: string
  /** Path of the SQLite file used by `server`. */
  dataPath: string
  /** Starts a server on `dataPath` (closed on teardown unless the test closed it). */
  startServer: ServerFactory
  server: SessionServer
  sessionId: string
  /** Opens a client to `server` for `sessionId`; destroyed on teardown. */
  connectClient: (options?: Partial<SessionClientOptions>) => SessionClient
  /** Attaches an agent to `server` for `sessionId`; closed on teardown. */
  connectAgent: (options?: Partial<AgentSessionOptions>) => Promise<AgentSession>
}

export const test = base.extend<SessionFixtures>({
  dataDir: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-test-'))
    await use(dir)
    rmSync(dir, { recursive: true, force: true })
  },
  dataPath: async ({ dataDir }, use) => { await use(join(dataDir, 'sessions.sqlite')) },
  startServer: async ({ dataPath }, use) => {
    const servers: SessionServer[] = []
    const closed = new WeakSet<SessionServer>()
    await use(async (overrides = {}) => {
      const server = await createSessionServer({ port: 0, dataPath, ...overrides })
      const close = server.close
      const tracked: SessionServer = { ...server, close: async () => { closed.add(tracked); await close() } }
      servers.push(tracked)
      return tracked
    })
    for (const server of servers) if (!closed.has(server)) await server.close()
  },
  server: async ({ startServer }, use) => { await use(await startServer()) },
  sessionId: async ({ task }, use) => { await use(`test-${task.id.replace(/[^A-Za-z0-9_-]/g, '-')}`) },
  connectClient: async ({ server, sessionId }, use) => {
    const clients: SessionClient[] = []
    await use((options = {}) => {
      const client = createSessionClient({ url: server.websocketUrl, sessionId, principalId: 'user-1', WebSocket, ...options })
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

