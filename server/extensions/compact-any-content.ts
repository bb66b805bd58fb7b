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
import { forEachInsertedItem } from '../../shared/session/for-each-inserted-item.ts'

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
  for (const structs of doc.store.clients.values()) for (const struct of structs) compactItem(struct)
}

/** Trims those of the items a transaction added (Yjs merges adjacent items only after this, by concatenation). */
function compactTransaction(transaction: Y.Transaction): void {
  forEachInsertedItem(transaction, compactItem)
}

function compactItem(struct: Y.Item | Y.GC | Y.Skip): void {
  if (struct instanceof Y.Item && struct.content instanceof Y.ContentAny)
    struct.content.arr = struct.content.arr.slice()
}
