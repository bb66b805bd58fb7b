/**
 * A WebSocket handshake that never completes (a proxy that accepts the connection and then says nothing) is given
 * up after `websocketTimeoutMs`, while the socket is still connecting, and the client continues over SSE.
 *
 * What this catches: closing a still-connecting `ws` socket makes it emit `error`; with no listener left on it
 * that error crashes a Node client process (seen under load with 100 viewers on the plain `ws` class).
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import { describe, expect } from 'vitest'
import { testWithStore } from '../testing/fixtures.ts'

/** A TCP server that accepts connections and never answers. */
async function startSilentServer(): Promise<{ url: string; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = []
  const server = createServer((socket) => {
    sockets.push(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/ws`, server, sockets }
}

describe('a stalled WebSocket handshake', () => {
  const test = testWithStore('sqlite')

  test('falls back to SSE without crashing the process', async ({ connectClient }) => {
    const silent = await startSilentServer()
    /** The plain `ws` class (no error listener of its own), pointed at the silent server. */
    class StalledWebSocket extends WebSocket {
      constructor(_url: string) {
        super(silent.url)
      }
    }
    try {
      const client = connectClient({ WebSocket: StalledWebSocket, transport: { websocketTimeoutMs: 300 } })
      await client.waitForSynced(10_000)
      expect(client.transport).toBe('sse')
      expect(silent.sockets.length).toBeGreaterThan(0)
      client.sendMessage('over SSE')
      await client.waitUntilDurable()
    } finally {
      for (const socket of silent.sockets) socket.destroy()
      silent.server.close()
    }
  })
})
