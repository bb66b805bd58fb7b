/**
 * A provider leaving a session removes its presence and sends its close message right before it closes its socket
 * (and, when it asked the server for its state just before, its empty answer to the server's sync step 1), and the
 * server often handles those frames only after it has seen the close. They are ignored then, quietly
 * (enforce-limits.ts), where refusing them made Hocuspocus log "closing connection … because of exception" for every
 * agent that wrote a reply and closed. Checked on a real server with real sockets: the agent's connection is
 * waited for until Hocuspocus has handled every frame it received.
 */
import type { Connection, connectedPayload, Extension } from '@hocuspocus/server'
import { afterEach, expect, vi } from 'vitest'
import { createAgentSession, type AgentSession } from '../../client/agent/agent-session.ts'
import { numberedTokens } from '../../shared/testing/token-stream.ts'
import { type SessionFixtures, test } from '../testing/fixtures.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

/**
 * Three agents in turn, each on a session of its own, that do `leave` (which closes them); resolves with the error
 * lines the process logged, once the server has handled every frame each agent sent.
 */
async function closeThreeAgents(
  { startServer, sessionId }: Pick<SessionFixtures, 'startServer' | 'sessionId'>,
  leave: (agent: AgentSession) => Promise<void>,
): Promise<string[]> {
  const connections: Connection[] = []
  const capture: Extension = {
    extensionName: 'test-capture-connections',
    async connected({ connection }: connectedPayload) {
      connections.push(connection)
    },
  }
  const server = await startServer({ extensions: [capture] })
  const errors = vi.spyOn(console, 'error')
  for (let round = 0; round < 3; round++) {
    const agent = await createAgentSession({
      url: server.websocketUrl,
      sessionId: `${sessionId}-${round}`,
      agentId: 'agent-1',
    })
    await leave(agent)
    const connection = connections.at(-1)
    // Its frames came before its close on the socket: once the close is seen, they are all in Hocuspocus' queue.
    await expect.poll(() => connection?.document.hasConnection(connection)).toBe(false)
    await connection?.waitForPendingMessages()
  }
  expect(connections).toHaveLength(3)
  return errors.mock.calls.map((call) => String(call[0]))
}

test('an agent that writes a reply and closes leaves no error in the server log', async ({
  startServer,
  sessionId,
}) => {
  const errors = await closeThreeAgents({ startServer, sessionId }, async (agent) => {
    try {
      expect(await agent.startReply().pipe(numberedTokens(500))).toBe('done')
    } finally {
      await agent.close()
    }
  })
  expect(errors).toEqual([])
})

test('a client that closes as soon as its changes are durable leaves no error in the server log', async ({
  startServer,
  sessionId,
}) => {
  const errors = await closeThreeAgents({ startServer, sessionId }, async (agent) => {
    // Asks the server for its state: the client's provider answers the server's sync step 1 as it closes.
    await agent.client.waitUntilDurable()
    await agent.close()
  })
  expect(errors).toEqual([])
})
