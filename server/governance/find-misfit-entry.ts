/**
 * findMisfitEntry: after an update has been applied to a scratch copy of a session, finds an entry it wrote into that
 * no longer fits the schema as every reader defines it (shared/session/check-entry.ts, PROTOCOL.md §1.3) — say a part
 * left without its `type`, or a tool call without its `toolName`. The per-item checks of session-shape.ts see one
 * value at a time; this one sees the entry whole, so an accepted update never leaves an entry that readers would
 * quarantine. An entry that did not fit before the update (stored by an older version) is not held against it.
 */
import * as Y from 'yjs'
import { checkEntry, CHECKED_ROOTS, type CheckedRoot, type Misfit } from '../../shared/session/check-entry.ts'
import type { WrittenEntry } from './entries-written-by.ts'

/** An entry the update made unfit. */
export interface MisfitEntry extends Misfit {
  readonly root: CheckedRoot
}

/** The first of `entries` (written by an update, on the document holding it) that the update made unfit. */
export function findMisfitEntry(entries: readonly WrittenEntry[], before: Y.Doc): MisfitEntry | undefined {
  for (const { root, item } of entries) {
    if (!isCheckedRoot(root) || item.deleted) continue
    const misfit = checkEntry(root, entryValue(item), item.parentSub ?? '')
    if (misfit === undefined) continue
    // Written before the update: only a change from fitting to unfit is the update's.
    const earlier =
      item.id.clock < Y.getState(before.store, item.id.client) ? Y.getItem(before.store, item.id) : undefined
    if (earlier instanceof Y.Item && checkEntry(root, entryValue(earlier), item.parentSub ?? '') !== undefined) continue
    return { root, ...misfit }
  }
  return undefined
}

function isCheckedRoot(root: string): root is CheckedRoot {
  return (CHECKED_ROOTS as readonly string[]).includes(root)
}

/** The value an entry item holds, as a reader of its root gets it. */
function entryValue(item: Y.Item): unknown {
  const content = item.content
  if (content instanceof Y.ContentType) return content.type
  const values = content.getContent()
  return values.length === 1 ? values[0] : values
}
