/**
 * forEachInsertedItem: the items a finished Yjs transaction inserted, found from its before and after state vectors
 * (the structs past each clientID's old clock), so a reader that follows a document pays for what changed, not for
 * the whole document.
 */
import * as Y from 'yjs'

/** Calls `visit` with every item `transaction` inserted (call from `beforeObserverCalls` or `afterTransaction`, when they are in the document). */
export function forEachInsertedItem(transaction: Y.Transaction, visit: (item: Y.Item) => void): void {
  const { doc } = transaction
  transaction.afterState.forEach((clock, client) => {
    const before = transaction.beforeState.get(client) ?? 0
    const structs = doc.store.clients.get(client)
    if (structs === undefined || clock <= before) return
    for (let index = Y.findIndexSS(structs, before); index < structs.length; index++) {
      const struct = structs[index]
      if (struct instanceof Y.Item) visit(struct)
    }
  })
}
