/**
 * GET of a stream with `live=sse` (PROTOCOL.md §9.2): `event: data` frames, each followed by an `event: control`
 * frame with the next offset, cursor and flags. Streams that are neither text nor JSON travel base64-encoded.
 * A control frame is repeated every `longPollTimeoutMs` while idle; the connection ends at the end of a closed
 * stream, or after `sseReconnectMs` so that clients reconnect from their last offset (CDN collapsing).
 */
import type { ServerResponse } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'
import { STREAM_HEADERS, STREAM_QUERY } from '../../shared/protocol/durable-streams.ts'
import { mediaType } from './json-messages.ts'
import { nextStreamCursor } from './stream-cursor.ts'
import { formatOffset, parseOffset } from './stream-offset.ts'
import { isEndOfStream, readBodyBytes } from './stream-read-headers.ts'
import { baseStreamHeaders } from './stream-response.ts'
import type { StreamReadResult } from './stream-service.ts'
import type { StreamReadContext } from './send-stream-read.ts'

/** Streams `path` over Server-Sent Events until the client leaves, the stream ends, or `sseReconnectMs` pass. */
export async function sendStreamSse(
  response: ServerResponse,
  url: URL,
  path: string,
  context: StreamReadContext & { readonly sseReconnectMs: number },
): Promise<void> {
  const { service } = context
  const offset = url.searchParams.get(STREAM_QUERY.OFFSET)
  if (offset === null) throw new SessionError('BAD_REQUEST', 'SSE reads need an offset')
  let result = await service.read(path, parseOffset(offset))
  const type = mediaType(result.meta.contentType)
  const base64 = !(type.startsWith('text/') || type === 'application/json')
  response.writeHead(200, {
    ...baseStreamHeaders(),
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...(base64 ? { [STREAM_HEADERS.SSE_DATA_ENCODING]: 'base64' } : {}),
  })
  const left = new AbortController()
  response.once('close', () => left.abort())
  const deadline = context.now() + context.sseReconnectMs
  const clientCursor = url.searchParams.get(STREAM_QUERY.CURSOR)
  const writeControl = (read: StreamReadResult): void => {
    const cursor = nextStreamCursor(clientCursor, context.now())
    const control = isEndOfStream(read)
      ? { streamNextOffset: formatOffset(read.next), upToDate: true, streamClosed: true }
      : { streamNextOffset: formatOffset(read.next), streamCursor: cursor, upToDate: read.upToDate }
    response.write(`event: control\ndata:${JSON.stringify(control)}\n\n`)
  }
  for (;;) {
    if (result.messages.length > 0) {
      const body = readBodyBytes(result)
      const text = base64 ? body.toString('base64') : body.toString('utf8')
      response.write(
        `event: data\n${text
          .split(/\r\n|\r|\n/)
          .map((line) => `data:${line}`)
          .join('\n')}\n\n`,
      )
    }
    writeControl(result)
    if (isEndOfStream(result) || left.signal.aborted || context.now() >= deadline) break
    // A reader slower than the stream: wait until the socket has taken what was written before reading more.
    if (response.writableNeedDrain)
      await new Promise<void>((resolve) => {
        waitForDrain(response, left.signal, resolve)
      })
    if (left.signal.aborted) break
    if (result.upToDate) {
      await service.waitForData(
        path,
        result.next.messages,
        Math.min(context.longPollTimeoutMs, deadline - context.now()),
        left.signal,
      )
      if (left.signal.aborted) break
    }
    const next = await service.read(path, { kind: 'position', position: result.next }).catch(() => undefined)
    if (next === undefined) break // reason: the stream was deleted or expired while we streamed it
    result = next
  }
  response.end()
}

/** Calls `done` once `response` drains or `signal` aborts, whichever comes first. */
function waitForDrain(response: ServerResponse, signal: AbortSignal, done: () => void): void {
  const finish = (): void => {
    response.off('drain', finish)
    signal.removeEventListener('abort', finish)
    done()
  }
  response.once('drain', finish)
  signal.addEventListener('abort', finish, { once: true })
}
