/**
 * The update a change makes, built with real Yjs: for tests that hand the server (or an inspection function) exactly
 * the bytes an honest or a hostile client would send.
 */
import * as Y from 'yjs'

/**
 * A replica of `state` (a document, or its encoded state), writing under `clientId` when given, changed by `change`
 * in one transaction. Returns the replica and exactly the bytes of the change. The clientID is set after loading:
 * Yjs picks a new clientID when a remote update advances its own.
 */
export function changeReplica(
  state: Y.Doc | Uint8Array,
  change: (doc: Y.Doc) => void,
  clientId?: number,
): { doc: Y.Doc; update: Uint8Array } {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, state instanceof Y.Doc ? Y.encodeStateAsUpdate(state) : state)
  if (clientId !== undefined) doc.clientID = clientId
  const before = Y.encodeStateVector(doc)
  doc.transact(() => {
    change(doc)
  })
  return { doc, update: Y.encodeStateAsUpdate(doc, before) }
}
