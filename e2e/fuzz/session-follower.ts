/**
 * A fuzz worker's copy of the session, fed by the updates the server sends its connections (sync answers and
 * broadcasts). The worker's probes carry the copy's state vector, so the server answers only what the copy lacks, and
 * fresh updates are appended to its list tails (next-fuzz-frame.ts), found by walking on from where the last walk
 * ended: neither costs more as the session grows. Received updates are cut to what the copy lacks before they are
 * applied, so a sync answer holding the whole session costs one decoding, not an integration of every struct.
 */
import * as Y from 'yjs'

/** The copy and its feed. */
export interface SessionFollower {
  readonly doc: Y.Doc
  /** Takes an update the server sent; it is applied at the next catch-up. */
  receive(update: Uint8Array): void
  /** Applies what was received, in one transaction (each transaction costs a pass over every clientID). */
  catchUp(): void
  /** The copy's state vector, after catching up. */
  stateVector(): Uint8Array
  /** The ID of the last entry of root list `root` in the copy (as caught up), or undefined when it has none. */
  lastEntry(root: string): Y.ID | undefined
  destroy(): void
}

/** Creates an empty copy. */
export function createSessionFollower(): SessionFollower {
  const doc = new Y.Doc()
  let received: Uint8Array[] = []
  /** Where each list's walk to its end stopped last: lists only grow, and their entries (shared types) never merge. */
  const tails = new Map<string, Y.Item>()
  return {
    doc,
    receive(update) {
      received.push(update)
    },
    catchUp() {
      const updates = received
      received = []
      if (updates.length === 0) return
      // Answers to replayed sync steps 1 hold the whole session: integrating structs the copy has already costs
      // more than cutting them off first, and it would grow with the session.
      const had = Y.encodeStateVector(doc)
      doc.transact(() => {
        for (const update of updates) Y.applyUpdate(doc, Y.diffUpdate(update, had))
      })
    },
    stateVector() {
      this.catchUp()
      return Y.encodeStateVector(doc)
    },
    lastEntry(root) {
      let tail = tails.get(root) ?? doc.getArray(root)._start
      while (tail?.right != null) tail = tail.right
      if (tail === null) return undefined
      tails.set(root, tail)
      return tail.lastId
    },
    destroy() {
      received = []
      tails.clear()
      doc.destroy()
    },
  }
}
