/**
 * Reads Server-Sent Events from a fetch response body (works in browsers and Node, which has no EventSource).
 * Yields each event; `onActivity` fires for every chunk, comments (heartbeats) included.
 */

/** One SSE event. */
export interface SseEvent {
  readonly event: string
  readonly data: string
  readonly id: string | undefined
}

/** Parses `body` into events until it ends. */
export async function* readSse(body: ReadableStream<Uint8Array>, onActivity: () => void): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  const reader = body.getReader()
  let pending = ''
  let event = 'message'
  let data: string[] = []
  let id: string | undefined
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      onActivity()
      pending += decoder.decode(value, { stream: true })
      const lines = pending.split(/\r?\n/)
      pending = lines.pop() ?? ''
      for (const line of lines) {
        if (line === '') {
          if (data.length > 0) yield { event, data: data.join('\n'), id }
          event = 'message'
          data = []
          id = undefined
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':')
          const field = colon === -1 ? line : line.slice(0, colon)
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
          if (field === 'event') event = value
          else if (field === 'data') data.push(value)
          else if (field === 'id') id = value
        }
      }
    }
  } finally {
    reader.releaseLock()
  }
}
