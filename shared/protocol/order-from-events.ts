/**
 * orderFromEvents: the session order of messages (PROTOCOL.md §11) as a reader of the event stream rebuilds it from
 * the `message.created` events alone, each new message placed right after the one its `after` names. It is what a
 * stream consumer that shows a list (or hands it to a model) does instead of keeping arrival order.
 *
 *   const ids = orderFromEvents(events)   // ['u1', 'r1', 'u2'] after u1, u2, r1 (after: 'u1')
 */
import type { SessionEvent } from './session-events.ts'

/**
 * Message ids in session order after `events` (in stream order; other event types are ignored). A message whose
 * `after` is `null` goes first; one whose `after` names no message seen so far, or that has no `after`, goes last.
 * A repeated `message.created` for an id already placed is ignored.
 */
export function orderFromEvents(events: Iterable<SessionEvent>): string[] {
  const order: string[] = []
  const placed = new Set<string>()
  for (const event of events) {
    if (event.type !== 'message.created' || placed.has(event.messageId)) continue
    // Parsed JSON may lack `after`: such a message goes last.
    const after = event.after as string | null | undefined
    const at = after === null ? 0 : after === undefined || !placed.has(after) ? order.length : order.indexOf(after) + 1
    order.splice(at, 0, event.messageId)
    placed.add(event.messageId)
  }
  return order
}
