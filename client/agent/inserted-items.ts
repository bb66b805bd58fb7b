/**
 * The items a Y.Array event inserted, in order: how the agent SDK learns of new messages and steers without
 * rescanning the whole array on every change.
 */
import type * as Y from 'yjs'

/** Items inserted by `event`. */
export function insertedItems<T>(event: Y.YArrayEvent<T>): T[] {
  const added: T[] = []
  for (const delta of event.changes.delta) {
    if (Array.isArray(delta.insert)) added.push(...(delta.insert as T[]))
  }
  return added
}
