/**
 * entriesWrittenBy: the entries of a session document (direct children of its roots) an update wrote into — by
 * inserting or by deleting — read on a document that already holds the update (the scratch copy, scratch-replica.ts).
 * Checks of an entry's state after the update (its text length, whether it still fits the schema) measure only these,
 * so their cost follows the update, not the session.
 */
import * as Y from 'yjs'
import { decodeInboundUpdate } from './decoded-update.ts'

/** One entry an update wrote into. */
export interface WrittenEntry {
  /** Name of the root the entry belongs to. */
  readonly root: string
  /** The entry's own item (the root's direct child). */
  readonly item: Y.Item
}

/** The entries `update`, already applied to `doc`, wrote into, each once, in the order met. */
export function entriesWrittenBy(doc: Y.Doc, update: Uint8Array): WrittenEntry[] {
  const { byClient, deletes } = decodeInboundUpdate(update)
  const found = new Map<Y.Item, WrittenEntry>()
  const add = (struct: Y.Item | Y.GC | undefined): void => {
    const entry = struct instanceof Y.Item ? entryOf(struct) : undefined
    if (entry !== undefined && !found.has(entry.item)) found.set(entry.item, entry)
  }
  for (const structs of byClient.values())
    for (const struct of structs) if (struct instanceof Y.Item) add(Y.getItem(doc.store, struct.id) as Y.Item | Y.GC)
  for (const { client, clock, len } of deletes) {
    const placed = doc.store.clients.get(client)
    if (placed === undefined) continue
    for (let index = Y.findIndexSS(placed, clock); index < placed.length; index++) {
      const struct = placed[index] as Y.Item | Y.GC
      if (struct.id.clock >= clock + len) break
      add(struct)
    }
  }
  return [...found.values()]
}

function entryOf(item: Y.Item): WrittenEntry | undefined {
  let current = item
  for (;;) {
    const parent = current.parent
    if (!(parent instanceof Y.AbstractType)) return undefined
    if (parent._item === null) return { root: Y.findRootTypeKey(parent), item: current }
    current = parent._item
  }
}
