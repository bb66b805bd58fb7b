/**
 * GET of a stream in catch-up and long-poll mode (PROTOCOL.md §9.2). Catch-up answers what is stored from the
 * offset; long-poll waits up to `longPollTimeoutMs` for data and answers 204 when none came.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SessionError } from '../../shared/errors/session-error.ts'
import { LIVE_MODES, STREAM_HEADERS, STREAM_QUERY } from '../../shared/protocol/durable-streams.ts'
import { readLiveMode } from './read-live-mode.ts'
import { nextStreamCursor } from './stream-cursor.ts'
import { parseOffset } from './stream-offset.ts'
import { isEndOfStream, readBodyBytes, readHeaders } from './stream-read-headers.ts'
import { baseStreamHeaders, sendEmpty } from './stream-response.ts'
import type { StreamService } from './stream-service.ts'

/** What a read needs besides the request. */
export interface StreamReadContext {
  readonly service: StreamService
  readonly longPollTimeoutMs: number
  readonly now: () => number
}

const CACHEABLE = 'public, max-age=60, stale-while-revalidate=300'
/** For reads made with a token: a shared cache must not hand them to requests without one (or with another). */
const PRIVATELY_CACHEABLE = 'private, max-age=60, stale-while-revalidate=300'

/** Answers a catch-up (`live` absent) or long-poll (`live=long-poll`) read of `path`. */
export async function sendStreamRead(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  path: string,
  context: StreamReadContext,
): Promise<void> {
  const longPoll = readLiveMode(url) === LIVE_MODES.LONG_POLL
  const offsetText = url.searchParams.get(STREAM_QUERY.OFFSET) ?? undefined
  if (longPoll && offsetText === undefined) throw new SessionError('BAD_REQUEST', 'long-poll needs an offset')
  const offset = parseOffset(offsetText)
  let result = await context.service.read(path, offset)
  const cursor = longPoll
    ? { [STREAM_HEADERS.CURSOR]: nextStreamCursor(url.searchParams.get(STREAM_QUERY.CURSOR), context.now()) }
    : {}
  if (longPoll && result.messages.length === 0 && !isEndOfStream(result)) {
    const aborted = new AbortController()
    response.once('close', () => aborted.abort())
    await context.service.waitForData(path, result.next.messages, context.longPollTimeoutMs, aborted.signal)
    if (aborted.signal.aborted) return
    result = await context.service.read(path, { kind: 'position', position: result.next })
  }
  const headers: Record<string, string> = { ...readHeaders(result), ...cursor }
  if (longPoll && result.messages.length === 0) {
    sendEmpty(response, 204, { ...headers, 'cache-control': 'no-store' })
    return
  }
  const noStore = offset.kind === 'now' || result.messages.length === 0
  const cacheable = request.headers.authorization === undefined ? CACHEABLE : PRIVATELY_CACHEABLE
  if (!noStore && request.headers['if-none-match'] === headers.etag) {
    sendEmpty(response, 304, { ...headers, 'cache-control': cacheable })
    return
  }
  const body = readBodyBytes(result)
  response.writeHead(200, {
    ...baseStreamHeaders(),
    ...headers,
    'cache-control': noStore ? 'no-store' : cacheable,
    'content-length': String(body.byteLength),
  })
  response.end(body)
}
