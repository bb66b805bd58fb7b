/**
 * findTextRuns: the text an inbound update adds to session messages, read on the scratch copy that already holds it
 * (PROTOCOL.md §8.8). Each maximal stretch of new, live characters in one text part is one run, with the stored text
 * of that part right before it as context. A user message's text is a `message`, an agent reply's a `run`. The cost
 * follows the update, not the part: runs are found from the update's own items and the context is read leftwards.
 */
import * as Y from 'yjs'
import { POLICY_CONTEXT_CHARS } from '../../shared/policy/message-policy.ts'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'
import type { DecodedUpdate } from '../governance/decoded-update.ts'

/** New text an update writes into one message part. */
export interface TextRun {
  readonly kind: 'message' | 'run'
  readonly messageId: string
  readonly text: string
  /** The part's text right before `text`, at most POLICY_CONTEXT_CHARS characters. */
  readonly context: string
  /**
   * Where `text` starts in the message's text (its text parts joined), for redaction spans sent to the author; read
   * on demand, as it walks the message.
   */
  offset(): number
}

/**
 * The runs `update` (as governance decoded it, decoded-update.ts) adds, read on `doc` (holding it);
 * `storedClock(client)` is the session's clock for `client` before the update, so structs at or past it are new.
 */
export function findTextRuns(doc: Y.Doc, update: DecodedUpdate, storedClock: (client: number) => number): TextRun[] {
  /** Characters of `item` before this index are stored; from it on they are new (Yjs merges new into old items). */
  const newFrom = (item: Y.Item): number =>
    Math.min(item.length, Math.max(0, storedClock(item.id.client) - item.id.clock))
  const isNew = (item: Y.Item | null): item is Y.Item =>
    item !== null && !item.deleted && item.content instanceof Y.ContentString && newFrom(item) < item.length
  const runs: TextRun[] = []
  const seen = new Set<Y.Item>()
  for (const structs of update.byClient.values())
    for (const struct of structs) {
      if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString)) continue
      const placed = Y.getItem(doc.store, struct.id) as Y.Item | Y.GC
      if (!(placed instanceof Y.Item) || !(placed.parent instanceof Y.Text) || seen.has(placed) || !isNew(placed))
        continue
      const message = messageOf(placed.parent)
      if (message === undefined) continue
      let first = placed
      while (newFrom(first) === 0 && isNew(first.left) && !seen.has(first.left)) first = first.left
      let text = ''
      for (let item: Y.Item | null = first; isNew(item); item = item.right) {
        seen.add(item)
        text += (item.content as Y.ContentString).str.slice(newFrom(item))
      }
      const part = placed.parent
      const { partOffset, ...where } = message
      runs.push({
        ...where,
        text,
        context: contextBefore(first, newFrom(first)),
        offset: () => partOffset() + charsBefore(part, first, newFrom(first)),
      })
    }
  return runs
}

/** Up to POLICY_CONTEXT_CHARS live characters before index `from` of `item`, read leftwards. */
function contextBefore(item: Y.Item, from: number): string {
  // Only tails are copied: an item Yjs merged can hold the whole part.
  let context = (item.content as Y.ContentString).str.slice(Math.max(0, from - POLICY_CONTEXT_CHARS), from)
  for (let left = item.left; left !== null && context.length < POLICY_CONTEXT_CHARS; left = left.left)
    if (!left.deleted && left.content instanceof Y.ContentString)
      context = left.content.str.slice(-(POLICY_CONTEXT_CHARS - context.length)) + context
  return context
}

/** Live characters of `text` before index `from` of `item`. */
function charsBefore(text: Y.Text, item: Y.Item, from: number): number {
  let chars = from
  for (let left = text._start; left !== null && left !== item; left = left.right)
    if (!left.deleted && left.content instanceof Y.ContentString) chars += left.length
  return chars
}

/** The message `text` belongs to; undefined outside `messages`. */
function messageOf(text: Y.Text): { kind: TextRun['kind']; messageId: string; partOffset: () => number } | undefined {
  const part = text._item?.parent
  const parts = part instanceof Y.Map ? part._item?.parent : undefined
  const message = parts instanceof Y.Array ? parts._item?.parent : undefined
  // A root read from an update stays an untyped AbstractType until someone asks for it by type: compare by name.
  const root = message instanceof Y.Map ? message._item?.parent : undefined
  if (!(root instanceof Y.AbstractType) || root._item !== null || Y.findRootTypeKey(root) !== SESSION_ROOTS.MESSAGES)
    return undefined
  if (!(message instanceof Y.Map) || !(parts instanceof Y.Array)) return undefined
  const id = message.get('id')
  if (typeof id !== 'string') return undefined
  const partOffset = (): number => {
    let offset = 0
    for (const other of parts.toArray() as unknown[]) {
      if (other === part) break
      const otherText = other instanceof Y.Map && other.get('type') === 'text' ? other.get('text') : undefined
      if (otherText instanceof Y.Text) offset += otherText.length
    }
    return offset
  }
  return { kind: message.get('role') === 'user' ? 'message' : 'run', messageId: id, partOffset }
}
