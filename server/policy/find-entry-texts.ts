/**
 * findEntryTexts: the texts an inbound update adds outside message text parts that the message policy is asked about
 * (PROTOCOL.md §8.8): a new steer's `text` (`kind` `steer`), and a tool part's data (`kind` `tool`): a tool call's
 * `input`, a tool result's `output`, each as its JSON text (a string as it is), of a new part or set anew in a stored
 * one (an author may change inside its own messages). Read on the scratch copy that holds the update, from the
 * update's own structs, so the cost follows the update.
 */
import * as Y from 'yjs'
import { messageOfParts } from './message-of-parts.ts'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'
import type { DecodedUpdate } from '../governance/decoded-update.ts'

/** A whole text an update adds: a steer's text or a tool part's data. */
export interface EntryText {
  readonly kind: 'steer' | 'tool'
  /** The steer's id, or the id of the message holding the tool part. */
  readonly messageId: string
  readonly text: string
}

/**
 * The steer and tool-part texts `update` (decoded, decoded-update.ts) adds, read on `doc` (holding it); `stored` is
 * the session before the update, so entries it already holds are not asked about again.
 */
export function findEntryTexts(doc: Y.Doc, update: DecodedUpdate, stored: Y.Doc): EntryText[] {
  const texts: EntryText[] = []
  /** Maps already asked about: a new tool part's own `input` or `output` item is not asked about again. */
  let seen: Set<Y.Map<unknown>> | undefined
  for (const structs of update.byClient.values())
    for (const struct of structs) {
      if (!(struct instanceof Y.Item)) continue
      if (struct.id.clock < Y.getState(stored.store, struct.id.client)) continue
      const placed = Y.getItem(doc.store, struct.id) as Y.Item | Y.GC
      if (!(placed instanceof Y.Item) || placed.deleted) continue
      const map = placed.content instanceof Y.ContentType ? placed.content.type : toolFieldOf(placed)
      const parent = map?._item?.parent
      if (!(map instanceof Y.Map) || !(parent instanceof Y.AbstractType) || seen?.has(map) === true) continue
      seen ??= new Set()
      seen.add(map)
      const found = parent._item === null ? steerText(parent, map) : toolText(parent, map)
      if (found !== undefined) texts.push(found)
    }
  return texts
}

/** The tool part whose data `item` sets (a tool call's `input`, a tool result's `output`); undefined for any other item. */
function toolFieldOf(item: Y.Item): Y.Map<unknown> | undefined {
  const part = item.parent
  return part instanceof Y.Map && item.parentSub !== null && item.parentSub === toolDataKey(part.get('type'))
    ? part
    : undefined
}

/** The key of a tool part's data by its `type`: `input` of a tool call, `output` of a tool result. */
function toolDataKey(type: unknown): 'input' | 'output' | undefined {
  return type === 'tool-call' ? 'input' : type === 'tool-result' ? 'output' : undefined
}

/** A steer's text, when `map` is an element of the `steering` root `root`. */
function steerText(root: Y.AbstractType<unknown>, map: Y.Map<unknown>): EntryText | undefined {
  if (Y.findRootTypeKey(root) !== SESSION_ROOTS.STEERING) return undefined
  const id = map.get('id')
  const text = map.get('text')
  return typeof id === 'string' && typeof text === 'string' && text !== ''
    ? { kind: 'steer', messageId: id, text }
    : undefined
}

/** A tool part's data, when `map` is a `tool-call` or `tool-result` part in `parts` of a message. */
function toolText(parts: Y.AbstractType<unknown>, map: Y.Map<unknown>): EntryText | undefined {
  const key = toolDataKey(map.get('type'))
  if (key === undefined) return undefined
  const id = messageOfParts(parts)?.get('id')
  const data = map.get(key)
  const text = typeof data === 'string' ? data : data === undefined ? '' : JSON.stringify(data)
  return typeof id === 'string' && text !== '' ? { kind: 'tool', messageId: id, text } : undefined
}
