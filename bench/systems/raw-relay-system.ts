/**
 * rawRelaySystem: driver of the raw `ws` relay (serve-raw-relay.ts): one frame per token from the producer; a
 * viewer counts the characters it received and resumes with `?from=<characters>`.
 */
import { once } from 'node:events'
import WebSocket from 'ws'
import type { BenchSystem } from './bench-system.ts'
import { countingWebSocket, type ByteCounter } from './counting-web-socket.ts'

/** The raw relay driver. */
export const rawRelaySystem: BenchSystem = {
  name: 'raw',
  async openProducer(url, streamId) {
    const socket = new WebSocket(`${url}/${streamId}`)
    await once(socket, 'open')
    return {
      async stream(tokens) {
        for await (const token of tokens) socket.send(token)
      },
      async close() {
        socket.close()
      },
    }
  },
  async openViewer(url, streamId, onLength) {
    const counter: ByteCounter = { bytes: 0 }
    const CountingWebSocket = countingWebSocket(counter)
    let length = 0
    let socket: WebSocket | undefined
    const connect = (): WebSocket => {
      const next = new CountingWebSocket(`${url}/${streamId}?from=${length}`)
      next.on('message', (data) => {
        length += data.toString().length
        onLength(length)
      })
      socket = next
      return next
    }
    await once(connect(), 'open')
    return {
      get bytesReceived() {
        return counter.bytes
      },
      pause() {
        socket?.terminate()
      },
      resume() {
        connect()
      },
      async close() {
        socket?.terminate()
      },
    }
  },
}
