/**
 * The live (not deleted) items of one clientID in a clock range of a document: what a delete range of an
 * inbound update actually deletes.
 */
import * as Y from 'yjs'

/** Items of `client` in [from, to) that are in the document and not deleted yet. */
export function liveItemsIn(doc: Y.Doc, client: number, from: number, to: number): Y.Item[] {
  const structs = doc.store.clients.get(client)
  if (structs === undefined || from >= to) return []
  const found: Y.Item[] = []
  for (let index = Y.findIndexSS(structs, from); index < structs.length; index++) {
    const struct = structs[index] as Y.Item | Y.GC
    if (struct.id.clock >= to) break
    if (struct instanceof Y.Item && !struct.deleted) found.push(struct)
  }
  return found
}
