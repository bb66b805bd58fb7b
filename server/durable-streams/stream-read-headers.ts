/**
 * Headers and body of one read answer (catch-up, long-poll, SSE control): offsets, up-to-date and closed flags,
 * the ETag that names the range (PROTOCOL.md §9.2).
 */
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'
import { isJsonContentType, joinJsonMessages } from './json-messages.ts'
import { formatOffset } from './stream-offset.ts'
import type { StreamReadResult } from './stream-service.ts'

/** True when the read reached the end of a closed stream (EOF). */
export function isEndOfStream(result: StreamReadResult): boolean {
  return result.meta.closed && result.upToDate
}

/** `Stream-*` headers and ETag of a read answer. */
export function readHeaders(result: StreamReadResult): Record<string, string> {
  const next = formatOffset(result.next)
  const closed = isEndOfStream(result)
  return {
    'content-type': result.meta.contentType,
    [STREAM_HEADERS.NEXT_OFFSET]: next,
    ...(result.upToDate ? { [STREAM_HEADERS.UP_TO_DATE]: 'true' } : {}),
    ...(closed ? { [STREAM_HEADERS.CLOSED]: 'true' } : {}),
    etag: `"${encodeURIComponent(result.meta.path)}:${formatOffset(result.start)}:${next}${closed ? ':c' : ''}"`,
  }
}

/** The body of a read answer: the bytes in order, or a JSON array in JSON mode. */
export function readBodyBytes(result: StreamReadResult): Buffer {
  const data = result.messages.map((message) => message.data)
  return isJsonContentType(result.meta.contentType) ? joinJsonMessages(data) : Buffer.concat(data)
}
