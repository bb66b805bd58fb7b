/**
 * markPending: marks what the server has not confirmed yet in the message list (docs/offline.md § Pending entries):
 * a message not sent yet gets `data-delivery="pending"` and a "not sent yet" note; a reply that a stop or redirect
 * not sent yet aims at gets `data-steer-pending` and a note naming it. Marks of entries since delivered are removed.
 */
import type { PendingEntry } from '../../client/core/delivery-tracker.ts'
import { readSteering } from '../../shared/session/session-doc.ts'
import type * as Y from 'yjs'

const NOTE_CLASS = 'pending-note'
/** The elements markPending marked: a note goes only with one of these. */
const MARKED = '[data-delivery], [data-steer-pending]'

/** Brings the marks of `container`'s messages in line with `pending` (entries of `doc`). */
export function markPending(container: HTMLElement, doc: Y.Doc, pending: readonly PendingEntry[]): void {
  const messages = new Set(pending.filter((entry) => entry.kind === 'message').map((entry) => entry.id))
  const steerIds = new Set(pending.filter((entry) => entry.kind === 'steer').map((entry) => entry.id))
  const steersByTarget = new Map<string, string[]>()
  if (steerIds.size > 0) {
    for (const steer of readSteering(doc)) {
      if (!steerIds.has(steer.id) || steer.target === undefined) continue
      steersByTarget.set(steer.target, [...(steersByTarget.get(steer.target) ?? []), steer.kind])
    }
  }
  // Nothing pending (a reply streaming, say): only the elements still marked are visited, not the whole list.
  const nothingPending = messages.size === 0 && steersByTarget.size === 0
  const elements = container.querySelectorAll<HTMLElement>(
    nothingPending ? `[data-testid="message"]:is(${MARKED})` : '[data-testid="message"]',
  )
  for (const element of elements) {
    const id = element.dataset.messageId ?? ''
    const steers = steersByTarget.get(id) ?? []
    const notes = [messages.has(id) ? 'not sent yet' : '', ...steers.map((kind) => `${kind} not sent yet`)].filter(
      (note) => note !== '',
    )
    if (messages.has(id)) element.dataset.delivery = 'pending'
    else delete element.dataset.delivery
    if (steers.length > 0) element.dataset.steerPending = steers.join(' ')
    else delete element.dataset.steerPending
    let note = element.querySelector<HTMLElement>(`.${NOTE_CLASS}`)
    if (notes.length === 0) {
      note?.remove()
      continue
    }
    if (note === null) {
      note = document.createElement('span')
      note.className = NOTE_CLASS
      note.dataset.testid = 'pending-note'
      element.append(note)
    }
    note.textContent = notes.join(' · ')
  }
}
