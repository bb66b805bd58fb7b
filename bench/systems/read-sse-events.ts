/**
 * readSseEvents: reads a `text/event-stream` response body to its end, calling `onEvent` for every event (type
 * and data lines joined by "\n", one leading space after `data:` removed) and `onBytes` with each chunk's size.
 */

/** One server-sent event. */
export interface SseEvent {
  readonly type: string
  readonly data: string
}

/** Reads `response` until it ends or its request is aborted (then rejects with the abort error). */
export async function readSseEvents(
  response: Response,
  onBytes: (bytes: number) => void,
  onEvent: (event: SseEvent) => void,
): Promise<void> {
  if (response.body === null) return
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of response.body) {
    onBytes(chunk.byteLength)
    buffered += decoder.decode(chunk, { stream: true })
    let end = buffered.indexOf('\n\n')
    while (end >= 0) {
      onEvent(parseEvent(buffered.slice(0, end)))
      buffered = buffered.slice(end + 2)
      end = buffered.indexOf('\n\n')
    }
  }
}

function parseEvent(block: string): SseEvent {
  let type = 'message'
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim()
    else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5))
  }
  return { type, data: data.join('\n') }
}
