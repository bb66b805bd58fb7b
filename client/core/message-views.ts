/**
 * MessageViews: the session's messages as plain views in session order (PROTOCOL.md §11), read again only where the
 * document changed. A message's view is kept until a transaction touches that message (its fields, its parts or
 * their text), so a token streamed into one reply re-reads that reply alone, not the whole transcript: in a session
 * of hundreds of messages, reading them all on every change costs milliseconds per token. Views are frozen and
 * shared between reads: a message that did not change is the same object in the next list, so a screen can skip it.
 *
 *   const views = createMessageViews(doc)
 *   doc.on('afterTransaction', () => render(views.read()))
 */
import * as Y from 'yjs'
import { isMessageEntry } from '../../shared/session/check-entry.ts'
import { entryHolding } from '../../shared/session/entry-holding.ts'
import { orderMessages } from '../../shared/session/order-messages.ts'
import { getSessionRoots, readMessage, readMessages } from '../../shared/session/session-doc.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'

/** The message views of one document. */
export interface MessageViews {
  /**
   * Every message that fits the schema, in session order: a new array each call, of shared frozen views. Until a
   * transaction's observers run (inside it, or from an observer of another) and once destroyed, it reads the document
   * instead: fresh views, neither shared nor frozen.
   */
  read(): MessageView[]
  /** Stops following the document: later reads read every message again. */
  destroy(): void
}

/** Follows `doc`'s messages; call `destroy` when the document is no longer read. */
export function createMessageViews(doc: Y.Doc): MessageViews {
  const messages = getSessionRoots(doc).messages as Y.Array<unknown>
  /** Per message map, its view, or null when the map does not fit the schema. */
  const views = new WeakMap<Y.Map<unknown>, MessageView | null>()
  let ordered: readonly MessageView[] | undefined
  let following = true
  /**
   * Transactions begun whose changes forgetChanged has not seen yet: one that is open, or one begun by an observer
   * of another, whose cleanup Yjs runs after that other's. Reads meanwhile go to the document.
   */
  let unseen = 0
  const began = (): void => {
    unseen++
  }
  // Before any observer runs, so a read from an observer of this transaction already sees its changes.
  const forgetChanged = (transaction: Y.Transaction): void => {
    unseen = Math.max(0, unseen - 1)
    for (const type of transaction.changed.keys()) {
      const entry = type === messages ? undefined : entryHolding(type, messages)
      if (type !== messages && entry === undefined) continue
      ordered = undefined
      if (entry instanceof Y.Map) views.delete(entry)
    }
  }
  doc.on('beforeTransaction', began)
  doc.on('beforeObserverCalls', forgetChanged)

  const viewOf = (entry: unknown): MessageView | null => {
    if (!(entry instanceof Y.Map)) return null
    let view = views.get(entry)
    if (view === undefined) {
      view = isMessageEntry(entry) ? frozen(readMessage(entry)) : null
      views.set(entry, view)
    }
    return view
  }

  return {
    read() {
      if (!following || unseen > 0 || doc._transaction !== null) return readMessages(doc)
      if (ordered === undefined) {
        const list: MessageView[] = []
        for (const entry of messages.toArray()) {
          const view = viewOf(entry)
          if (view !== null) list.push(view)
        }
        ordered = orderMessages(list)
      }
      return [...ordered]
    },
    destroy() {
      following = false
      ordered = undefined
      doc.off('beforeTransaction', began)
      doc.off('beforeObserverCalls', forgetChanged)
    },
  }
}

/** `view` frozen with its parts (their tool inputs and outputs are the document's own values, left as they are). */
function frozen(view: MessageView): MessageView {
  for (const part of view.parts) Object.freeze(part)
  Object.freeze(view.parts)
  return Object.freeze(view)
}
