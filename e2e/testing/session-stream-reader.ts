/**
 * Reads a session's event stream over plain HTTP as any Durable Streams client would: catch-up GETs from an
 * offset, following `Stream-Next-Offset` until `Stream-Up-To-Date`. With a server whose `maxReadBytes` is 1,
 * each GET answers one event, so the walk yields the offset after every event.
 */
import { sessionStreamPath } from '../../shared/protocol/session-stream-path.ts'
import type { SessionEvent } from '../../shared/protocol/session-events.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'

/** One event and the stream offset just after it. */
export interface OffsetEvent {
  readonly offset: string
  readonly event: SessionEvent
}

/** Every event after `offset` (default `-1`, the start) in order, each with the offset after it. */
export async function readSessionEvents(
  baseUrl: string,
  sessionId: string,
  options: { offset?: string; token?: string } = {},
): Promise<OffsetEvent[]> {
  const events: OffsetEvent[] = []
  let offset = options.offset ?? '-1'
  for (;;) {
    const response = await fetch(`${baseUrl}${sessionStreamPath(sessionId)}?offset=${offset}`, {
      headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
    })
    if (response.status !== 200) throw new Error(`GET ${offset} answered ${response.status}: ${await response.text()}`)
    const next = response.headers.get(STREAM_HEADERS.NEXT_OFFSET)
    if (next === null) throw new Error('no Stream-Next-Offset')
    const batch = (await response.json()) as SessionEvent[]
    for (const event of batch) events.push({ offset: next, event })
    if (response.headers.get(STREAM_HEADERS.UP_TO_DATE) === 'true') return events
    offset = next
  }
}

/** The text of a message as the stream tells it: its `message.delta` texts joined. */
export function streamedText(events: readonly OffsetEvent[], messageId: string): string {
  return events
    .map(({ event }) =>
      event.type === 'message.delta' && event.messageId === messageId && event.partType === 'text' ? event.text : '',
    )
    .join('')
}
