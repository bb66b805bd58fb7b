/**
 * findTextRuns: the text an inbound update adds to session messages, read on the scratch copy that already holds it
 * (PROTOCOL.md §8.8). Each maximal stretch of new, live characters in one text part is one run, with the stored text
 * of that part right before it as context. A user message's text is a `message`, an agent reply's a `run`.
 */
import * as Y from 'yjs'
import { POLICY_CONTEXT_CHARS } from '../../shared/policy/message-policy.ts'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'

/** New text an update writes into one message part. */
export interface TextRun {
  readonly kind: 'message' | 'run'
  readonly messageId: string
  readonly text: string
  /** The part's text right before `text`, at most POLICY_CONTEXT_CHARS characters. */
  readonly context: string
  /** Where `text` starts in the message's text (its text parts joined), for redaction spans sent to the author. */
  readonly offset: number
}

/**
 * The runs `update` adds, read on `doc` (holding it); `storedClock(client)` is the session's clock for `client`
 * before the update, so structs at or past it are new.
 */
export function findTextRuns(doc: Y.Doc, update: Uint8Array, storedClock: (client: number) => number): TextRun[] {
  const texts = new Set<Y.Text>()
  for (const struct of Y.decodeUpdate(update).structs) {
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString)) continue
    const placed = Y.getItem(doc.store, struct.id) as Y.Item | Y.GC
    if (placed instanceof Y.Item && placed.parent instanceof Y.Text) texts.add(placed.parent)
  }
  const runs: TextRun[] = []
  for (const text of texts) {
    const message = messageOf(text)
    if (message === undefined) continue
    let before = ''
    let run = ''
    const flush = (): void => {
      if (run === '') return
      runs.push({
        ...message,
        text: run,
        context: before.slice(-POLICY_CONTEXT_CHARS),
        offset: message.offset + before.length,
      })
      before += run
      run = ''
    }
    for (let item = text._start; item !== null; item = item.right) {
      if (item.deleted || !(item.content instanceof Y.ContentString)) continue
      // Yjs merges a new item into its left neighbour of the same client: only clocks past the stored one are new.
      const { str } = item.content
      const newFrom = Math.min(str.length, Math.max(0, storedClock(item.id.client) - item.id.clock))
      if (newFrom > 0) {
        flush()
        before += str.slice(0, newFrom)
      }
      run += str.slice(newFrom)
    }
    flush()
  }
  return runs
}

/** The message `text` belongs to and where its part starts in the message's text; undefined outside `messages`. */
function messageOf(text: Y.Text): Omit<TextRun, 'text' | 'context'> | undefined {
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
  let offset = 0
  for (const other of parts.toArray() as unknown[]) {
    if (other === part) break
    const otherText = other instanceof Y.Map && other.get('type') === 'text' ? other.get('text') : undefined
    if (otherText instanceof Y.Text) offset += otherText.length
  }
  return { kind: message.get('role') === 'user' ? 'message' : 'run', messageId: id, offset }
}
