/**
 * durableStreamsSystem: driver of the Durable Streams reference server, used the way its protocol intends: one
 * `text/plain` stream per reply at `/v1/stream/<id>`; the producer appends with POST (one request in flight,
 * tokens arriving meanwhile go in the next POST, like the client's IdempotentProducer with no linger); a viewer
 * catches up with one GET from its offset, then follows live over SSE and resumes from the last offset it saw.
 */
import type { BenchSystem } from './bench-system.ts'
import { readSseEvents } from './read-sse-events.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'

const TEXT = { 'content-type': 'text/plain' }
/** The producer waits for its POST in flight once this many characters are pending. */
const MAX_PENDING_CHARS = 64 * 1024

/** The Durable Streams driver. */
export const durableStreamsSystem: BenchSystem = {
  name: 'durable-streams',
  async openProducer(url, streamId) {
    const streamUrl = `${url}/v1/stream/${streamId}`
    await expectOk(await fetch(streamUrl, { method: 'PUT', headers: TEXT }), 'create')
    let pending = ''
    let inFlight: Promise<void> | undefined
    const drain = async (): Promise<void> => {
      try {
        while (pending.length > 0) {
          const body = pending
          pending = ''
          await expectOk(await fetch(streamUrl, { method: 'POST', headers: TEXT, body }), 'append')
        }
      } finally {
        inFlight = undefined
      }
    }
    return {
      async stream(tokens) {
        for await (const token of tokens) {
          pending += token
          inFlight ??= drain()
          if (pending.length >= MAX_PENDING_CHARS) await inFlight
        }
        while (inFlight !== undefined || pending.length > 0) {
          inFlight ??= drain()
          await inFlight
        }
      },
      async close() {},
    }
  },
  async openViewer(url, streamId, onLength) {
    const streamUrl = `${url}/v1/stream/${streamId}`
    let offset = '-1'
    let length = 0
    let bytes = 0
    let controller = new AbortController()
    const received = (text: string): void => {
      if (text.length === 0) return
      length += text.length
      onLength(length)
    }
    const connect = async (signal: AbortSignal): Promise<void> => {
      const caughtUp = await expectOk(await fetch(`${streamUrl}?offset=${offset}`, { signal }), 'catch-up read')
      const body = await caughtUp.text()
      bytes += Buffer.byteLength(body)
      offset = caughtUp.headers.get(STREAM_HEADERS.NEXT_OFFSET) ?? offset
      received(body)
      const live = await expectOk(await fetch(`${streamUrl}?offset=${offset}&live=sse`, { signal }), 'SSE read')
      void readSseEvents(
        live,
        (chunkBytes) => {
          bytes += chunkBytes
        },
        (event) => {
          if (event.type === 'data') received(event.data)
          else if (event.type === 'control')
            offset = (JSON.parse(event.data) as { streamNextOffset?: string }).streamNextOffset ?? offset
        },
      ).catch((error: unknown) => {
        if (!signal.aborted) console.error('[durable-streams viewer]', error)
      })
    }
    await connect(controller.signal)
    return {
      get bytesReceived() {
        return bytes
      },
      pause() {
        controller.abort()
      },
      resume() {
        controller = new AbortController()
        const { signal } = controller
        connect(signal).catch((error: unknown) => {
          if (!signal.aborted) console.error('[durable-streams viewer]', error)
        })
      },
      async close() {
        controller.abort()
      },
    }
  },
}

/** Returns `response` when its status is 2xx. @throws Error naming `what` otherwise (a peer's failure) */
async function expectOk(response: Response, what: string): Promise<Response> {
  if (response.ok) return response
  throw new Error(`Durable Streams ${what} failed: ${response.status} ${await response.text()}`)
}
