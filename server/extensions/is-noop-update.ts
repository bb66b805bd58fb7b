/**
 * Detects updates that would change nothing (a resend after reconnect, a sync step 2 that only repeats the
 * delete set of content already deleted) so they are acknowledged without growing the log or the audit trail.
 */
import * as Y from 'yjs'
import type { DecodedUpdate } from '../governance/decoded-update.ts'
import { liveItemsIn } from '../governance/live-items-in.ts'

/** True when every struct of `update` is already in `doc` and everything it deletes is already deleted. */
export function isNoopUpdate(doc: Y.Doc, update: DecodedUpdate): boolean {
  for (const [client, structs] of update.byClient) {
    const last = structs[structs.length - 1]
    if (last !== undefined && last.id.clock + last.length > Y.getState(doc.store, client)) return false
  }
  return update.deletes.every(
    ({ client, clock, len }) =>
      clock + len <= Y.getState(doc.store, client) && liveItemsIn(doc, client, clock, clock + len).length === 0,
  )
}
