/**
 * findTextRuns: the text an inbound update adds to session messages, read on the scratch copy that already holds it
 * (PROTOCOL.md §8.8). Each maximal stretch of new, live characters in one `text` or `reasoning` part is one run, with
 * the stored text of that part right before it as context. A user message's text is a `message`, an agent reply's a
 * `run`. The cost follows the update, not the part: runs are found from the update's own items, without closures per
 * call, and the context is read leftwards.
 */
import * as Y from 'yjs'
import { messageOfParts } from './message-of-parts.ts'
import { POLICY_CONTEXT_CHARS } from '../../shared/policy/message-policy.ts'
import type { DecodedUpdate } from '../governance/decoded-update.ts'

/** New text an update writes into one message part. */
export interface TextRun {
  readonly kind: 'message' | 'run'
  readonly messageId: string
  /** The type of the part the text is in: offsets of a redaction count in the message's parts of this type. */
  readonly partType: 'text' | 'reasoning'
  readonly text: string
  /** The part's text right before `text`, at most POLICY_CONTEXT_CHARS characters. */
  readonly context: string
  /** The part's Y.Text, the run's first item and where in it the run starts: for {@link runOffset}. */
  readonly part: Y.Text
  readonly first: Y.Item
  readonly from: number
}

/**
 * The runs `update` (as governance decoded it, decoded-update.ts) adds, read on `doc` (holding it); `stored` is the
 * session before the update, so structs at or past its clocks are new.
 */
export function findTextRuns(doc: Y.Doc, update: DecodedUpdate, stored: Y.Doc): TextRun[] {
  const runs: TextRun[] = []
  let seen: Set<Y.Item> | undefined
  for (const structs of update.byClient.values())
    for (const struct of structs) {
      if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString)) continue
      const placed = Y.getItem(doc.store, struct.id) as Y.Item | Y.GC
      if (!(placed instanceof Y.Item) || !(placed.parent instanceof Y.Text) || seen?.has(placed) === true) continue
      if (!isNew(placed, stored)) continue
      const message = messageOf(placed.parent)
      if (message === undefined) continue
      let first = placed
      while (newFrom(first, stored) === 0 && isNew(first.left, stored) && seen?.has(first.left) !== true)
        first = first.left
      seen ??= new Set()
      let text = ''
      for (let item: Y.Item | null = first; isNew(item, stored); item = item.right) {
        seen.add(item)
        text += (item.content as Y.ContentString).str.slice(newFrom(item, stored))
      }
      const from = newFrom(first, stored)
      runs.push({ ...message, text, context: contextBefore(first, from), part: placed.parent, first, from })
    }
  return runs
}

/**
 * Where a run's text starts in its message's text of the same part type (those parts joined), for the redaction
 * spans sent to the author. It walks the message, so it is read only for a redacted run.
 */
export function runOffset(run: TextRun): number {
  let offset = 0
  const part = run.part._item?.parent
  const parts = part instanceof Y.Map ? part._item?.parent : undefined
  if (parts instanceof Y.Array)
    for (const other of parts.toArray() as unknown[]) {
      const otherText = other instanceof Y.Map && other.get('type') === run.partType ? other.get('text') : undefined
      if (otherText === run.part) break
      if (otherText instanceof Y.Text) offset += otherText.length
    }
  return offset + charsBefore(run.part, run.first, run.from)
}

/** Characters of `item` before this index are stored; from it on they are new (Yjs merges new into old items). */
function newFrom(item: Y.Item, stored: Y.Doc): number {
  return Math.min(item.length, Math.max(0, Y.getState(stored.store, item.id.client) - item.id.clock))
}

function isNew(item: Y.Item | null, stored: Y.Doc): item is Y.Item {
  return (
    item !== null && !item.deleted && item.content instanceof Y.ContentString && newFrom(item, stored) < item.length
  )
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

/** Where `text` is: its message's kind and id and its part's type; undefined outside a `text` or `reasoning` part. */
function messageOf(text: Y.Text): Pick<TextRun, 'kind' | 'messageId' | 'partType'> | undefined {
  const part = text._item?.parent
  if (!(part instanceof Y.Map)) return undefined
  const message = messageOfParts(part._item?.parent)
  if (message === undefined) return undefined
  const id = message.get('id')
  const partType = part.get('type')
  if (typeof id !== 'string' || (partType !== 'text' && partType !== 'reasoning')) return undefined
  return { kind: message.get('role') === 'user' ? 'message' : 'run', messageId: id, partType }
}
