/**
 * The webhook idempotency keys (`<sessionId>:<offset>`, PROTOCOL.md §9.12) of a session's events of some types, read
 * from its event stream, so a test can compare what a receiver got with what the stream holds.
 */
import { sessionStreamPath } from '../../shared/protocol/session-stream-path.ts'

/**
 * The keys of the session's events whose type is in `types`, in stream order. An event's offset counts the messages
 * and bytes before it (PROTOCOL.md §9.2); each stored message is the event's JSON text.
 */
export async function sessionEventKeys(
  serverUrl: string,
  sessionId: string,
  types: readonly string[],
  token?: string,
): Promise<string[]> {
  const response = await fetch(`${serverUrl}${sessionStreamPath(sessionId)}?offset=-1`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
  const events = (await response.json()) as { type: string }[]
  const keys: string[] = []
  let bytes = 0
  events.forEach((event, index) => {
    const offset = `${String(index).padStart(16, '0')}_${String(bytes).padStart(16, '0')}`
    if (types.includes(event.type)) keys.push(`${sessionId}:${offset}`)
    bytes += Buffer.byteLength(JSON.stringify(event))
  })
  return keys
}
