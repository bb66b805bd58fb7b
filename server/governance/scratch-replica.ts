/**
 * A scratch copy of a live session document that every accepted update is applied to first. Y.applyUpdate can throw
 * after it has already changed a document (2–6 % of fuzzed updates; docs/architecture.md § Why it is built this way),
 * and an update with unmet dependencies is kept as invisible "pending" structs that would be persisted. Trying the
 * update on this copy catches both before the update is logged or applied to the live document. The copy follows the
 * live document through its `update` events — skipping what it already holds, as each accepted update was tried on it
 * first — and is rebuilt from the live document after a failed try left it damaged, or after it was discarded. It
 * also checks every new item landed between its left and right origin: an item whose right origin lies left of its
 * left origin integrates at a place that depends on the document's history, so a reload (or a compaction snapshot)
 * would show a different text. It reads the update's structs from the decoding governance shares
 * (decoded-update.ts), so a try decodes the update once, in Y.applyUpdate, besides that.
 */
import * as Y from 'yjs'
import { liveItemsIn } from './live-items-in.ts'
import { decodeInboundUpdate, type DecodedUpdate } from './decoded-update.ts'

/** Outcome of trying an update. */
export type ScratchResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly problem: 'throws' | 'pending' | 'misplaced' | 'refused'; readonly cause?: unknown }

/**
 * Most list steps spent per update checking that new items sit between their origins. Honest items find their
 * left origin next to them and their right origin a few concurrent inserts away.
 */
const MAX_ORDER_CHECK_STEPS = 100_000

/** The scratch copy of one live document. */
export interface ScratchReplica {
  /**
   * Applies `update` to the copy and reports whether it applied cleanly and completely, and whether `accept` (given
   * the copy holding the update) agrees; otherwise the copy is rebuilt without it (`refused`).
   */
  tryUpdate(update: Uint8Array, accept?: (doc: Y.Doc) => boolean): ScratchResult
  /**
   * Forgets every update tried so far: the copy is rebuilt from the live document on the next try. For an update that
   * was tried successfully but is refused later (the message policy, PROTOCOL.md §8.8), and to free the copy's
   * memory while no connected connection writes.
   */
  discard(): void
  /** Stops following the live document. */
  destroy(): void
}

/** Creates a scratch copy of `live`. */
export function createScratchReplica(live: Y.Doc): ScratchReplica {
  let copy: Y.Doc | undefined
  const build = (): Y.Doc => {
    const doc = new Y.Doc({ gc: live.gc })
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(live))
    return doc
  }
  const discard = (): void => {
    copy?.destroy()
    copy = undefined
  }
  const follow = (update: Uint8Array, _origin: unknown, _doc: Y.Doc, transaction: Y.Transaction): void => {
    if (copy === undefined || holdsTransaction(copy, transaction)) return
    try {
      Y.applyUpdate(copy, update)
    } catch {
      discard() // reason: rebuilt from the live document on the next try
    }
  }
  live.on('update', follow)

  return {
    tryUpdate(update, accept) {
      copy ??= build()
      let decoded: DecodedUpdate
      try {
        decoded = decodeInboundUpdate(update)
        Y.applyUpdate(copy, update)
      } catch (cause) {
        discard()
        return { ok: false, problem: 'throws', cause }
      }
      if (copy.store.pendingStructs !== null || copy.store.pendingDs !== null) {
        discard()
        return { ok: false, problem: 'pending' }
      }
      if (!newItemsBetweenOrigins(copy, decoded)) {
        discard()
        return { ok: false, problem: 'misplaced' }
      }
      if (accept !== undefined && !accept(copy)) {
        discard()
        return { ok: false, problem: 'refused' }
      }
      return { ok: true }
    },
    discard,
    destroy() {
      live.off('update', follow)
      discard()
    },
  }
}

/** True when every item of `update`, now in `doc`, has its origin to its left and its right origin to its right. */
function newItemsBetweenOrigins(doc: Y.Doc, update: DecodedUpdate): boolean {
  let budget = MAX_ORDER_CHECK_STEPS
  for (const structs of update.byClient.values())
    for (const struct of structs) {
      if (!(struct instanceof Y.Item)) continue
      const placed = Y.getItem(doc.store, struct.id) as Y.Item | Y.GC
      if (!(placed instanceof Y.Item)) continue
      if (struct.origin !== null) {
        let cursor: Y.Item | null = placed
        while (cursor !== null && !contains(cursor, struct.origin)) {
          if (--budget < 0) return false
          cursor = cursor.left
        }
        if (cursor === null) return false
      }
      if (struct.rightOrigin !== null) {
        let cursor: Y.Item | null = placed.right
        while (cursor !== null && !contains(cursor, struct.rightOrigin)) {
          if (--budget < 0) return false
          cursor = cursor.right
        }
        if (cursor === null) return false
      }
    }
  return true
}

/**
 * True when `doc` already holds everything `transaction` (on another document) changed: every struct it added and
 * every deletion. The copy then skips re-applying the live document's update — the common case, as each accepted
 * update was tried on the copy first.
 */
function holdsTransaction(doc: Y.Doc, transaction: Y.Transaction): boolean {
  for (const [client, clock] of transaction.afterState)
    if (clock !== transaction.beforeState.get(client) && Y.getState(doc.store, client) < clock) return false
  for (const [client, ranges] of transaction.deleteSet.clients)
    for (const { clock, len } of ranges)
      if (clock + len > Y.getState(doc.store, client) || liveItemsIn(doc, client, clock, clock + len).length > 0)
        return false
  return true
}

function contains(item: Y.Item, id: Y.ID): boolean {
  return item.id.client === id.client && item.id.clock <= id.clock && id.clock < item.id.clock + item.length
}
