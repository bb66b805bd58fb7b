/**
 * Forks (PROTOCOL.md §9.5): a fork starts as a copy of its source up to the fork point, so it reads, appends,
 * closes and expires independently of the source, and chains of forks need nothing more. The fork point is an
 * offset of the source (default: its tail) plus an optional sub-offset into the append that follows it: bytes of
 * that message, or messages of a JSON stream.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import { isJsonContentType } from './json-messages.ts'
import { parseOffset } from './stream-offset.ts'
import type { ForkOrigin, StreamMeta, StreamStore } from './stream-store.ts'

/** The fork headers of a PUT. */
export interface ForkRequest {
  /** Source path below the route prefix. */
  readonly source: string
  /** `Stream-Fork-Offset` as sent; absent means the source's tail. */
  readonly offset?: string
  readonly subOffset: number
}

/**
 * The fork point and the messages a fork of `source` starts with.
 * @throws SessionError BAD_REQUEST for an offset or sub-offset past the source's content
 */
export async function materializeFork(
  store: StreamStore,
  source: StreamMeta,
  request: ForkRequest,
): Promise<{ origin: ForkOrigin; messages: Uint8Array[] }> {
  const requested = request.offset === undefined ? { kind: 'now' as const } : parseOffset(request.offset)
  const at = requested.kind === 'now' ? source.messageCount : requested.position.messages
  if (at > source.messageCount)
    throw new SessionError('BAD_REQUEST', 'fork offset is past the end of the source', {
      details: { offset: request.offset },
    })
  const stored = await store.read(source.path, 0, Number.MAX_SAFE_INTEGER)
  const messages = stored.slice(0, at).map((message) => message.data)
  const { subOffset } = request
  if (isJsonContentType(source.contentType)) {
    if (subOffset > source.messageCount - at) throw overshoot(subOffset)
    messages.push(...stored.slice(at, at + subOffset).map((message) => message.data))
  } else if (subOffset > 0) {
    const next = stored[at]
    if (next === undefined || subOffset > next.data.byteLength) throw overshoot(subOffset)
    messages.push(next.data.slice(0, subOffset))
  }
  return { origin: { source: source.path, messages: at, subOffset }, messages }
}

function overshoot(subOffset: number): SessionError {
  return new SessionError('BAD_REQUEST', 'fork sub-offset is past the append that follows the fork offset', {
    details: { subOffset },
  })
}
