/**
 * A connection that wrote to a session and closed is not kept in memory while the session stays loaded (another
 * client still connected): governance binds each clientID to its writing connection and forgets that connection
 * when it closes (server/governance/client-bindings.ts). Checked on a real server with real sockets: the closed
 * connection's object becomes collectable, its clientID stays the writer's principal's — also when the connection
 * closes while its update is still being screened by the message policy.
 */
import type { Connection, connectedPayload, Extension } from '@hocuspocus/server'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { expect } from 'vitest'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient, type SessionClient } from '../../client/core/session-client.ts'
import { test } from '../testing/fixtures.ts'

/** A full GC, through Node's documented `--expose-gc` flag set at run time. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

/** An extension that keeps a weak reference to every connection, in the order they connect. */
function captureConnections(): { capture: Extension; connections: Array<WeakRef<Connection>> } {
  const connections: Array<WeakRef<Connection>> = []
  const capture: Extension = {
    extensionName: 'test-capture-connections',
    async connected({ connection }: connectedPayload) {
      connections.push(new WeakRef(connection))
    },
  }
  return { capture, connections }
}

/** A viewer's and a writer's client of `sessionId`, connecting; the caller waits for their sync and destroys them. */
function openViewerAndWriter(url: string, sessionId: string): { viewer: SessionClient; writer: SessionClient } {
  const open = (principalId: string) => createSessionClient({ url, sessionId, principalId, WebSocket: NodeWebSocket })
  return { viewer: open('viewer'), writer: open('writer') }
}

/** Waits until the connection behind `written` has been collected. */
async function expectCollected(written: WeakRef<Connection> | undefined): Promise<void> {
  await expect
    .poll(
      () => {
        collectGarbage()
        return written?.deref() === undefined // a boolean: the poll must not hold the connection itself
      },
      // Hocuspocus' debounced store hook (2 s) holds the last writing connection until it has run.
      { timeout: 10_000, interval: 250 },
    )
    .toBe(true)
}

test('a connection that wrote and closed becomes collectable while the session stays loaded', async ({
  startServer,
  sessionId,
}) => {
  const { capture, connections } = captureConnections()
  const server = await startServer({ extensions: [capture] })
  const { viewer, writer } = openViewerAndWriter(server.websocketUrl, sessionId)
  try {
    await Promise.all([viewer.waitForSynced(10_000), writer.waitForSynced(10_000)])
    writer.sendMessage('hello')
    await writer.waitUntilDurable(10_000)
    const written = connections.at(-1)
    expect(connections).toHaveLength(2)
    writer.destroy()
    await expect.poll(() => server.hocuspocus.getConnectionsCount()).toBe(1)
    await expectCollected(written)
    expect(connections[0]?.deref()).toBeDefined() // the viewer's, still open
    expect(server.hocuspocus.getDocumentsCount()).toBe(1)
  } finally {
    writer.destroy()
    viewer.destroy()
  }
}, 30_000) // the poll above waits out Hocuspocus' store debounce

test('a connection that closes while its update is screened becomes collectable once the update is taken', async ({
  startServer,
  sessionId,
}) => {
  const { capture, connections } = captureConnections()
  let asked = 0
  let answer: () => void = () => {}
  const answered = new Promise<void>((resolve) => {
    answer = resolve
  })
  const server = await startServer({
    extensions: [capture],
    // Allows once the test says so: the writer's connection closes while its update waits for this answer.
    policy: async () => {
      asked++
      await answered
      return { action: 'allow' }
    },
    policyTimeoutMs: 20_000,
  })
  const { viewer, writer } = openViewerAndWriter(server.websocketUrl, sessionId)
  try {
    await Promise.all([viewer.waitForSynced(10_000), writer.waitForSynced(10_000)])
    const written = connections.at(-1)
    expect(connections).toHaveLength(2)
    writer.sendMessage('hello')
    await expect.poll(() => asked).toBe(1)
    writer.destroy()
    await expect.poll(() => server.hocuspocus.getConnectionsCount()).toBe(1)
    answer()
    await expect.poll(() => viewer.messages().map((message) => message.text)).toEqual(['hello'])
    await expectCollected(written)
  } finally {
    answer()
    writer.destroy()
    viewer.destroy()
  }
}, 30_000) // the poll above waits out Hocuspocus' store debounce
