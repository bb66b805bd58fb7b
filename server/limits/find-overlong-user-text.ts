/**
 * findOverlongUserText: after an update has been applied to a scratch copy of a session, finds a user message or
 * steering entry it touched whose text is now longer than the limit (PROTOCOL.md §10.1). Only entries the update
 * wrote into are measured, so the cost follows the update, not the session.
 */
import * as Y from 'yjs'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'

/** An entry over the limit. */
export interface OverlongUserText {
  readonly root: typeof SESSION_ROOTS.MESSAGES | typeof SESSION_ROOTS.STEERING
  readonly entryId: string
  readonly chars: number
}

/** Checks the entries `update` (already applied to `doc`) wrote into against `maxChars`. */
export function findOverlongUserText (doc: Y.Doc, update: Uint8Array, maxChars: number): OverlongUserText | undefined {
  const seen = new Set<Y.Item>()
  for (const struct of Y.decodeUpdate(update).structs) {
    if (!(struct instanceof Y.Item)) continue
    const placed = Y.getItem(doc.store, struct.id) as Y.Item | Y.GC
    const entry = placed instanceof Y.Item ? entryOf(placed) : undefined
    if (entry === undefined || seen.has(entry.item)) continue
    seen.add(entry.item)
    const map = entry.item.content instanceof Y.ContentType && entry.item.content.type instanceof Y.Map ? entry.item.content.type as Y.Map<unknown> : undefined
    if (map === undefined) continue
    const chars = entry.root === SESSION_ROOTS.MESSAGES ? userMessageChars(map) : entry.root === SESSION_ROOTS.STEERING ? steerChars(map) : 0
    if (chars > maxChars) return { root: entry.root as OverlongUserText['root'], entryId: String(map.get('id')), chars }
  }
  return undefined
}

/** The top-level entry an item sits in (the root's direct child) and the root's name. */
function entryOf (item: Y.Item): { item: Y.Item, root: string } | undefined {
  let current = item
  for (;;) {
    const parent = current.parent
    if (!(parent instanceof Y.AbstractType)) return undefined
    if (parent._item === null) return { item: current, root: Y.findRootTypeKey(parent) }
    current = parent._item
  }
}

function userMessageChars (message: Y.Map<unknown>): number {
  if (message.get('role') !== 'user') return 0
  const parts = message.get('parts')
  if (!(parts instanceof Y.Array)) return 0
  let chars = 0
  for (const part of parts.toArray() as unknown[]) {
    const text = part instanceof Y.Map ? part.get('text') : undefined
    if (text instanceof Y.Text) chars += text.length
  }
  return chars
}

function steerChars (steer: Y.Map<unknown>): number {
  const text = steer.get('text')
  return typeof text === 'string' ? text.length : 0
}
