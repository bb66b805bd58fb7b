/**
 * Counts the characters of agent text applied to each loaded session — the basis of the tokens/s metric. After
 * each transaction it looks only at the structs the transaction added (per client, from its clock before the
 * transaction; Yjs merges them only afterwards) and adds the length of the strings inserted into text or reasoning
 * parts of assistant messages. That is O(size of the update) and decodes nothing again; a deep observer on
 * `messages` would cost more, as Yjs computes every event's path (a linear search) before calling it. Content
 * loaded from storage is not counted: the listener is attached after the load.
 */
import type { Document, Extension } from '@hocuspocus/server'
import * as Y from 'yjs'
import { forEachInsertedItem } from '../../shared/session/for-each-inserted-item.ts'

/** Receives counted characters, by part type. */
export type AgentTextListener = (part: 'text' | 'reasoning', chars: number) => void

/** A Hocuspocus extension that reports agent text as it is applied. */
export function createAgentTextCounter(listener: AgentTextListener): Extension {
  /** One listener for every document: a closure per document would cost memory as long as it stays loaded. */
  const count = (transaction: Y.Transaction): void => {
    const chars = { text: 0, reasoning: 0 }
    let parent: unknown
    let type: 'text' | 'reasoning' | undefined
    forEachInsertedItem(transaction, (item) => {
      if (item.deleted || !(item.content instanceof Y.ContentString)) return
      if (item.parent !== parent) {
        parent = item.parent
        type = parent instanceof Y.Text ? textPartOf(parent) : undefined
      }
      if (type !== undefined) chars[type] += item.length
    })
    if (chars.text > 0) listener('text', chars.text)
    if (chars.reasoning > 0) listener('reasoning', chars.reasoning)
  }
  return {
    extensionName: 'lifeline-agent-text-counter',
    async afterLoadDocument({ document }: { document: Document }) {
      document.on('afterTransaction', count)
    },
  }
}

/** The part type of `text` when it is a text or reasoning part of an assistant message. */
function textPartOf(text: Y.Text): 'text' | 'reasoning' | undefined {
  const part = text.parent
  const message = part?.parent?.parent
  if (!(part instanceof Y.Map) || !(message instanceof Y.Map) || message.get('role') !== 'assistant') return undefined
  const type: unknown = part.get('type')
  return type === 'text' || type === 'reasoning' ? type : undefined
}
