/**
 * Detects updates that would change nothing (a resend after reconnect, a sync step 2 that only repeats the
 * delete set of content already deleted) so they are acknowledged without growing the log or the audit trail.
 * Decoding also validates the bytes: a malformed update throws here, before anything is stored.
 */
import * as Y from 'yjs'
import { liveItemsIn } from '../governance/live-items-in.ts'

/**
 * True when every struct in `update` is already in `doc` and everything it deletes is already deleted.
 * @throws Error when the update cannot be decoded
 */
export function isNoopUpdate (doc: Y.Doc, update: Uint8Array): boolean {
  const decoded = Y.decodeUpdate(update)
  if (decoded.structs.some((struct) => struct.id.clock + struct.length > Y.getState(doc.store, struct.id.client))) return false
  for (const [client, ranges] of decoded.ds.clients) {
    const state = Y.getState(doc.store, client)
    for (const { clock, len } of ranges) {
      if (clock + len > state || liveItemsIn(doc, client, clock, clock + len).length > 0) return false
    }
  }
  return true
}
