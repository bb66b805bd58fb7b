/**
 * countingWebSocket: a `ws` WebSocket class whose instances add the payload bytes of every received message to a
 * shared counter, so a bench can report what a viewer downloaded. It keeps an `error` listener like NodeWebSocket.
 */
import WebSocket from 'ws'

/** Received payload bytes, shared by every socket made from one class (a viewer's reconnects). */
export interface ByteCounter {
  bytes: number
}

/** Returns a WebSocket class counting into `counter`. */
export function countingWebSocket(counter: ByteCounter): new (url: string) => WebSocket {
  return class CountingWebSocket extends WebSocket {
    constructor(url: string) {
      super(url)
      this.on('error', () => undefined) // reason: the close event that follows reports it
      this.on('message', (data) => {
        counter.bytes += messageBytes(data)
      })
    }
  }
}

function messageBytes(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((total, chunk) => total + chunk.byteLength, 0)
  return data.byteLength
}
