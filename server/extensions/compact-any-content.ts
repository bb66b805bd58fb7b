/**
 * Trims the value arrays of a loaded session document to their size. Yjs decodes the values of a map entry or of a
 * run of JSON list elements (a `ContentAny`) into an array it fills by `push`, for which V8 reserves room for 17
 * values: about 150 bytes where the one value of a map entry needs 24. Every field of a message, part, run and of
 * `meta` is such an entry, so an idle session held about 2 KB of unused array room. This extension replaces each
 * new ContentAny's array with an exact-size copy after every transaction on a loaded document (one listener shared
 * by all documents), and those of the content loaded with it once. The copy holds the same values in the same
 * order, and Yjs replaces the array itself whenever it splits or merges content, so nothing reads a different
 * document.
 */
import type { Extension, afterLoadDocumentPayload } from '@hocuspocus/server'
import * as Y from 'yjs'

/** Creates the extension. */
export function createCompactAnyContent(): Extension {
  return {
    extensionName: 'lifeline-compact-any-content',
    async afterLoadDocument({ document }: afterLoadDocumentPayload) {
      compactAnyContent(document)
      document.on('afterTransaction', compactTransaction)
    },
  }
}

/** Trims the arrays of every ContentAny item of `doc`. */
function compactAnyContent(doc: Y.Doc): void {
  for (const client of doc.store.clients.keys()) compactFrom(doc, client, 0)
}

/** Trims those of the items a transaction added (Yjs merges adjacent items only after this, by concatenation). */
function compactTransaction(transaction: Y.Transaction): void {
  transaction.afterState.forEach((clock, client) => {
    const before = transaction.beforeState.get(client) ?? 0
    if (clock > before) compactFrom(transaction.doc, client, before)
  })
}

function compactFrom(doc: Y.Doc, client: number, clock: number): void {
  const structs = doc.store.clients.get(client)
  if (structs === undefined) return
  for (let index = Y.findIndexSS(structs, clock); index < structs.length; index++) {
    const struct = structs[index]
    if (struct instanceof Y.Item && struct.content instanceof Y.ContentAny)
      struct.content.arr = struct.content.arr.slice()
  }
}
