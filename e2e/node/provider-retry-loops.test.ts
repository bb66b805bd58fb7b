/**
 * The provider's socket manager runs one retry loop at a time. A socket that opens and is closed by the server
 * before its first frame (a server killed or restarting) must not leave two: the one whose attempt failed retrying,
 * and another started by the close. The later would replace the other's socket without a close, and the provider
 * would go on believing it was synced. Here a real `ws` server on 127.0.0.1 closes the first connection at once, and the
 * retry delays run on fake timers: exactly one new socket follows the cut.
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { WebSocketStatus } from '@hocuspocus/provider'
import { afterEach, expect, it, vi } from 'vitest'
import { WebSocketServer } from 'ws'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { StoppableProviderWebsocket } from '../../client/core/stoppable-provider-websocket.ts'

afterEach(() => {
  vi.useRealTimers()
})

it('opens one socket after a connection cut before its first frame, not two', async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  let accepted = 0
  server.on('connection', (socket) => {
    accepted++
    if (accepted === 1) socket.close()
  })
  let opened = 0
  class CountedWebSocket extends NodeWebSocket {
    constructor(url: string) {
      super(url)
      opened++
    }
  }
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  const { port } = server.address() as AddressInfo
  const manager = new StoppableProviderWebsocket({
    url: `ws://127.0.0.1:${port}`,
    WebSocketPolyfill: CountedWebSocket,
    delay: 100,
    minDelay: 100,
    maxDelay: 100,
    jitter: false,
  })
  try {
    await vi.waitFor(() => {
      expect(accepted).toBe(1)
      expect(manager.status).toBe(WebSocketStatus.Disconnected)
    })
    await vi.advanceTimersByTimeAsync(1_000)
    await vi.waitFor(() => {
      expect(accepted).toBe(opened)
    })
    expect(opened).toBe(2)
  } finally {
    manager.stop()
    manager.destroy()
    vi.useRealTimers()
    for (const client of server.clients) client.terminate()
    server.close()
  }
})
