/**
 * entryHolding: the entry of a top-level session array or map that holds a shared type — a message holding its
 * parts and their text — so an observer can tell which entries a transaction touched.
 *
 *   entryHolding(textOfAPart, getSessionRoots(doc).messages)   // → the message's Y.Map
 */

/** What entryHolding reads of a Yjs shared type (`Y.AbstractType`): the type it is nested in. */
export interface NestedType {
  readonly parent: NestedType | null
}

/**
 * The entry of `root` that holds `type`, or `type` itself when it is an entry of `root`; undefined when `type` is
 * `root` or lies outside it.
 */
export function entryHolding(type: NestedType, root: NestedType): NestedType | undefined {
  let entry = type
  while (entry.parent !== null && entry.parent !== root) entry = entry.parent
  return entry.parent === root ? entry : undefined
}
