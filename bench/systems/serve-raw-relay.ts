/**
 * serveRawRelay: the baseline server, the least a relay can do. Each room (`/<streamId>`) keeps the text its
 * producer sent; a producer's frames are appended and rebroadcast as they are; a viewer connects with
 * `?from=<characters it holds>` and first gets the rest of the text in one frame.
 */
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import type { ServedSystem } from './serve-system.ts'

interface Room {
  readonly chunks: string[]
  length: number
  readonly viewers: Set<WebSocket>
}

/** Starts the relay on 127.0.0.1, port 0. */
export async function serveRawRelay(): Promise<ServedSystem> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  const rooms = new Map<string, Room>()
  server.on('connection', (socket, request) => {
    const url = new URL(request.url ?? '/', 'http://relay')
    let room = rooms.get(url.pathname)
    if (room === undefined) {
      room = { chunks: [], length: 0, viewers: new Set() }
      rooms.set(url.pathname, room)
    }
    const joined = room
    const from = url.searchParams.get('from')
    if (from === null) {
      socket.on('message', (data, isBinary) => {
        const text = data.toString()
        joined.chunks.push(text)
        joined.length += text.length
        for (const viewer of joined.viewers) viewer.send(data, { binary: isBinary })
      })
      return
    }
    const missed = joined.chunks.join('').slice(Number(from))
    if (missed.length > 0) socket.send(missed)
    joined.viewers.add(socket)
    socket.on('close', () => {
      joined.viewers.delete(socket)
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `ws://127.0.0.1:${port}`,
    async close() {
      for (const socket of server.clients) socket.terminate()
      await new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error)
          else resolve()
        })
      })
    },
  }
}
