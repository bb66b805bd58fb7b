/**
 * Finds the quarantined entries of a session document: those that do not fit the schema (check-entry.ts). Readers
 * skip them; the server reports them with the log seq that wrote them (server/persistence/locate-quarantined.ts).
 * One pass over the entries, reading no text: cheap enough to run on every load. It creates no root the document
 * lacks.
 */
import * as Y from 'yjs'
import { checkEntry, CHECKED_ROOTS, type CheckedRoot, type Misfit } from './check-entry.ts'
import { SESSION_ROOTS } from './session-schema.ts'

/** One quarantined entry: where it is, and why it does not fit. */
export interface QuarantinedEntry extends Misfit {
  readonly root: CheckedRoot
  /** Position in a list root (`messages`, `steering`). */
  readonly index?: number
  /** Key in a map root (`meta`, `runs`, `httpProducers`). */
  readonly key?: string
  /** The entry's `id`, when it has a string one. */
  readonly id?: string
}

const LIST_ROOTS: readonly CheckedRoot[] = [SESSION_ROOTS.MESSAGES, SESSION_ROOTS.STEERING]

/** Every entry of `doc` that does not fit the schema, root by root, in document order. */
export function findQuarantined(doc: Y.Doc): QuarantinedEntry[] {
  const found: QuarantinedEntry[] = []
  for (const root of CHECKED_ROOTS) {
    // A root the document lacks holds nothing, and getting it would create it (an empty root costs memory).
    if (!doc.share.has(root)) continue
    if (LIST_ROOTS.includes(root)) {
      doc.getArray<unknown>(root).forEach((value, index) => {
        const misfit = checkEntry(root, value)
        if (misfit !== undefined) found.push({ root, index, ...idOf(value), ...misfit })
      })
    } else {
      doc.getMap<unknown>(root).forEach((value, key) => {
        const misfit = checkEntry(root, value, key)
        if (misfit !== undefined) found.push({ root, key, ...misfit })
      })
    }
  }
  return found
}

function idOf(value: unknown): { id?: string } {
  const id = value instanceof Y.Map ? value.get('id') : undefined
  return typeof id === 'string' ? { id } : {}
}
