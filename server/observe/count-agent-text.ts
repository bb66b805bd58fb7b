/**
 * Counts the characters of agent text applied to each loaded session — the basis of the tokens/s metric — from
 * Yjs events rather than by decoding updates: a deep observer on `messages` reports, per transaction, the text
 * inserted into existing parts (the Y.Text event's delta) and the text of parts or assistant messages created in
 * it. Content loaded from storage is not counted: the observer is attached after the load.
 */
import type { Document, Extension } from '@hocuspocus/server'
import * as Y from 'yjs'
import { getSessionRoots } from '../../shared/session/session-doc.ts'

/** Receives counted characters, by part type. */
export type AgentTextListener = (part: 'text' | 'reasoning', chars: number) => void

/** A Hocuspocus extension that reports agent text as it is applied. */
export function createAgentTextCounter (listener: AgentTextListener): Extension {
  return {
    extensionName: 'lifeline-agent-text-counter',
    async afterLoadDocument ({ document }: { document: Document }) {
      getSessionRoots(document).messages.observeDeep((events) => {
        for (const event of events) countEvent(event, listener)
      })
    },
  }
}

function countEvent (event: Y.YEvent<Y.AbstractType<unknown>>, listener: AgentTextListener): void {
  const target = event.target
  if (target instanceof Y.Text) {
    const part = textPartOf(target)
    if (part === undefined) return
    let chars = 0
    for (const change of event.delta) if (typeof change.insert === 'string') chars += change.insert.length
    listener(part, chars)
    return
  }
  if (!(target instanceof Y.Array)) return
  for (const item of event.changes.added) {
    for (const added of item.content.getContent()) {
      if (!(added instanceof Y.Map)) continue
      // A new message, or a new part of an existing message: either way its texts are new in this transaction.
      const parts = added.get('parts')
      if (parts instanceof Y.Array) for (const part of parts.toArray()) countNewPart(part, listener)
      else countNewPart(added, listener)
    }
  }
}

function countNewPart (part: unknown, listener: AgentTextListener): void {
  if (!(part instanceof Y.Map)) return
  const text: unknown = part.get('text')
  if (!(text instanceof Y.Text)) return
  const type = textPartOf(text)
  if (type !== undefined) listener(type, text.length)
}

/** The part type of `text` when it is a text or reasoning part of an assistant message. */
function textPartOf (text: Y.Text): 'text' | 'reasoning' | undefined {
  const part = text.parent
  const message = part?.parent?.parent
  if (!(part instanceof Y.Map) || !(message instanceof Y.Map) || message.get('role') !== 'assistant') return undefined
  const type: unknown = part.get('type')
  return type === 'text' || type === 'reasoning' ? type : undefined
}
