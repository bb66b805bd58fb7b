/**
 * yMapOf: a new Y.Map holding `fields`, for tests that write entries of any shape into a session document (a shared
 * type can be integrated once: build a new one for every write).
 */
import * as Y from 'yjs'

/** A new, not yet integrated Y.Map with `fields`. */
export function yMapOf(fields: Readonly<Record<string, unknown>>): Y.Map<unknown> {
  const map = new Y.Map<unknown>()
  for (const [key, value] of Object.entries(fields)) map.set(key, value)
  return map
}
