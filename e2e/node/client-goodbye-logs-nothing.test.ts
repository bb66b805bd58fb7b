/**
 * A provider leaving a session removes its presence and sends its close message right before it closes its socket
 * (and, when it asked the server for its state just before, its empty answer to the server's sync step 1), and the
 * server often handles those frames only after it has seen the close. They change nothing then and pass
 * quietly (enforce-limits.ts), where dropping them made Hocuspocus log "closing connection … because of exception"
 * for every agent that wrote a reply and closed. Checked on a real server with real sockets: the agent's connection is
 * waited for until Hocuspocus has handled every frame it received.
 */
import type { Connection, connectedPayload, Extension } from '@hocuspocus/server'
import { afterEach, expect, vi } from 'vitest'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { numberedTokens } from '../../shared/testing/token-stream.ts'
import { test } from '../testing/fixtures.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

/** The connections a server opens, in order. */
function captureConnections(): { readonly connections: Connection[]; readonly extension: Extension } {
  const connections: Connection[] = []
  return {
    connections,
    extension: {
      extensionName: 'test-capture-connections',
      async connected({ connection }: connectedPayload) {
        connections.push(connection)
      },
    },
  }
}

/** Resolves once the server has seen `connection` close and handled every frame it received before. */
async function handledToTheEnd(connection: Connection | undefined): Promise<void> {
  // Its frames came before its close on the socket: once the close is seen, they are all in Hocuspocus' queue.
  await expect.poll(() => connection?.document.hasConnection(connection)).toBe(false)
  await connection?.waitForPendingMessages()
}

test('an agent that writes a reply and closes leaves no error in the server log', async ({
  startServer,
  sessionId,
}) => {
  const { connections, extension } = captureConnections()
  const server = await startServer({ extensions: [extension] })
  const errors = vi.spyOn(console, 'error')
  for (let round = 0; round < 3; round++) {
    const agent = await createAgentSession({
      url: server.websocketUrl,
      sessionId: `${sessionId}-${round}`,
      agentId: 'agent-1',
    })
    try {
      expect(await agent.startReply().pipe(numberedTokens(500))).toBe('done')
    } finally {
      await agent.close()
    }
    await handledToTheEnd(connections.at(-1))
  }
  expect(connections).toHaveLength(3)
  expect(errors.mock.calls.map((call) => String(call[0]))).toEqual([])
})

test('a client that closes as soon as its changes are durable leaves no error in the server log', async ({
  startServer,
  sessionId,
}) => {
  const { connections, extension } = captureConnections()
  const server = await startServer({ extensions: [extension] })
  const errors = vi.spyOn(console, 'error')
  for (let round = 0; round < 3; round++) {
    const agent = await createAgentSession({
      url: server.websocketUrl,
      sessionId: `${sessionId}-${round}`,
      agentId: 'agent-1',
    })
    // Asks the server for its state: the client's provider answers the server's sync step 1 as it closes.
    await agent.client.waitUntilDurable()
    await agent.close()
    await handledToTheEnd(connections.at(-1))
  }
  expect(connections).toHaveLength(3)
  expect(errors.mock.calls.map((call) => String(call[0]))).toEqual([])
})
