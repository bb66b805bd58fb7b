/**
 * Detects updates that would change nothing (a resend after reconnect, an empty sync step 2) so they are
 * acknowledged without growing the log. Decoding also validates the bytes: a malformed update throws here,
 * before anything is stored.
 */
import * as Y from 'yjs'

/**
 * True when every struct in `update` is already in `doc` and it deletes nothing.
 * @throws Error when the update cannot be decoded
 */
export function isNoopUpdate (doc: Y.Doc, update: Uint8Array): boolean {
  const decoded = Y.decodeUpdate(update)
  if (decoded.ds.clients.size > 0) return false
  const known = Y.encodeStateVector(doc)
  const stateVector = Y.decodeStateVector(known)
  return decoded.structs.every((struct) => struct.id.clock + struct.length <= (stateVector.get(struct.id.client) ?? 0))
}
