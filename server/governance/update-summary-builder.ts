/**
 * Collects the session entries an update touches, for its audit row (UpdateSummary): each located struct names
 * the entry directly under its root — the key for map roots (`runs`, `meta`, `context`), the entry's `id` for the
 * list roots (`messages`, `steering`). A new list entry's id is the `id` item written in the same update.
 */
import * as Y from 'yjs'
import type { UpdateSummary } from '../persistence/update-log.ts'
import type { Location } from './struct-locator.ts'
import { plainValue } from './session-write-rules.ts'

/** Accumulates locations; `build` returns the summary. */
export interface UpdateSummaryBuilder {
  add(location: Location): void
  build(): UpdateSummary
}

/** Creates an empty builder. */
export function createUpdateSummaryBuilder(): UpdateSummaryBuilder {
  const names = new Map<string, Set<string>>()
  /** New list entries of the update (root by entry item), and the ids written into them. */
  const newEntries = new Map<Y.Item, string>()
  const newIds = new Map<Y.Item, string>()
  const name = (root: string, entryName: unknown): void => {
    if (typeof entryName !== 'string') return
    const set = names.get(root) ?? new Set<string>()
    set.add(entryName)
    names.set(root, set)
  }

  return {
    add(location) {
      if (location.kind !== 'placed') return
      const [entry, field] = location.path
      if (entry === undefined) return
      if (entry.key !== null) {
        name(location.root, entry.key)
      } else if (entry.ref.inDoc) {
        const content = entry.ref.item.content
        name(
          location.root,
          content instanceof Y.ContentType && content.type instanceof Y.Map ? content.type.get('id') : undefined,
        )
      } else {
        newEntries.set(entry.ref.item, location.root)
        if (field?.key === 'id' && location.path.length === 2) {
          const id = plainValue(field.ref.item)
          if (typeof id === 'string') newIds.set(entry.ref.item, id)
        }
      }
    },
    build() {
      for (const [item, root] of newEntries) name(root, newIds.get(item))
      return Object.fromEntries([...names].map(([root, set]) => [root, [...set]]))
    },
  }
}
