/**
 * A bare HTTP fallback connection (PROTOCOL.md §7) for tests that send crafted frames: one SSE stream downstream and
 * POSTs of exactly the bytes a test gives upstream, with no provider to correct them. It records the frames the server
 * sends and its `close` event.
 *
 *   const raw = await openRawFallback(server.url)
 *   await raw.send([garbage])
 *   expect(await raw.closed).toEqual(closeFor('BAD_FRAME'))
 */
import * as encoding from 'lib0/encoding'
import { readSse } from '../../client/core/transports/read-sse.ts'
import { FALLBACK_PARAMS, FALLBACK_ROUTES, SSE_EVENTS } from '../../shared/protocol/http-fallback.ts'
import { createRandomId } from '../../shared/session/session-id.ts'

/** An open raw fallback connection. */
export interface RawFallbackConnection {
  /** Frames the server sent, in order. */
  readonly frames: readonly Uint8Array[]
  /** Resolves with the code and reason of the server's `close` event. */
  readonly closed: Promise<{ code: number; reason: string }>
  /** POSTs `frames`, each length-prefixed, as the next upstream seqs. */
  send(frames: readonly Uint8Array[]): Promise<Response>
  /** POSTs `body` as it is, as upstream seq `seq`. */
  post(body: Uint8Array, seq: number): Promise<Response>
  /** Ends the downstream request. */
  stop(): void
}

/** Opens the downstream SSE stream of a new connection to `baseUrl` and resolves once the server said hello. */
export async function openRawFallback(baseUrl: string): Promise<RawFallbackConnection> {
  const cid = createRandomId(24)
  const url = (route: string, param: string, value: number): string =>
    `${baseUrl}${route}?${FALLBACK_PARAMS.CONNECTION_ID}=${cid}&${param}=${value}`
  const stopped = new AbortController()
  const frames: Uint8Array[] = []
  const response = await fetch(url(FALLBACK_ROUTES.SSE, FALLBACK_PARAMS.AFTER, 0), { signal: stopped.signal })
  const events = readSse(response.body as ReadableStream<Uint8Array>, () => undefined)
  const hello = await events.next()
  if (hello.done === true || hello.value.event !== SSE_EVENTS.HELLO)
    throw new Error('the fallback stream did not start with hello')
  const closed = (async () => {
    for await (const event of events) {
      if (event.event === SSE_EVENTS.FRAME) frames.push(new Uint8Array(Buffer.from(event.data, 'base64')))
      if (event.event === SSE_EVENTS.CLOSE) return JSON.parse(event.data) as { code: number; reason: string }
    }
    throw new Error('the fallback stream ended without a close event')
  })()
  closed.catch(() => undefined) // reason: a test that stops the stream early never reads it
  let nextSeq = 1
  const post = (body: Uint8Array, seq: number): Promise<Response> =>
    fetch(url(FALLBACK_ROUTES.SEND, FALLBACK_PARAMS.SEQ, seq), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(body),
    })
  return {
    frames,
    closed,
    post,
    send(batch) {
      const encoder = encoding.createEncoder()
      for (const frame of batch) encoding.writeVarUint8Array(encoder, frame)
      const seq = nextSeq
      nextSeq += batch.length
      return post(encoding.toUint8Array(encoder), seq)
    },
    stop() {
      stopped.abort()
    },
  }
}
