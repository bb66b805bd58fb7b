/**
 * Where a struct sits in the session document: its root and the chain of items from the root's entry down to it.
 * Works for items already in the document and for items of an inbound update that are not applied yet. An
 * encoded item names its parent only when it has no neighbours; otherwise the parent is its left neighbour's
 * (origin), else its right neighbour's (rightOrigin), found in the document or earlier in the same update —
 * exactly as Yjs resolves it when it integrates the item (Item.getMissing).
 */
import * as Y from 'yjs'
import { findDecodedStruct, type DecodedUpdate } from './decoded-update.ts'

/** An item and whether it is already in the document (true) or part of the inbound update (false). */
export interface ItemRef {
  readonly item: Y.Item
  readonly inDoc: boolean
}

/** One level of a location: the item at that level and its key in its parent map (null in an array). */
export interface PathStep {
  readonly ref: ItemRef
  readonly key: string | null
}

/** Result of locating an item. */
export type Location =
  /** Under root `root`; `path[0]` is the root's direct child (an entry), the last step is the item itself. */
  | { readonly kind: 'placed'; readonly root: string; readonly path: readonly PathStep[] }
  /** Next to a garbage-collected struct: Yjs turns it into a GC struct on arrival, content dropped. */
  | { readonly kind: 'garbage' }
  /** Refers to an ID neither the document nor the update has. */
  | { readonly kind: 'missing'; readonly id: Y.ID }
  /** Cannot be integrated cleanly (a parent that is not a type, neighbours in different lists, a cycle). */
  | { readonly kind: 'invalid'; readonly why: string }

/** Locates items of one document plus (optionally) one inbound update. */
export interface Locator {
  locate(ref: ItemRef): Location
  /** The struct with `id`: in the document when its clock is below the document's state, else in the update. */
  lookup(id: Y.ID): { readonly struct: Y.Item | Y.GC; readonly inDoc: boolean } | undefined
}

/** Deepest nesting accepted (the schema needs 6: messages → message → parts → part → text → char). */
const MAX_LOCATION_DEPTH = 32

type Parent =
  | { readonly kind: 'root'; readonly root: string; readonly key: string | null }
  | { readonly kind: 'type'; readonly owner: ItemRef; readonly key: string | null }
  | Exclude<Location, { kind: 'placed' }>

/** Creates a locator over `doc` and the not yet applied `update`. */
export function createStructLocator(doc: Y.Doc, update?: DecodedUpdate): Locator {
  const parents = new Map<Y.Item, Parent>()
  const resolving = new Set<Y.Item>()

  const lookup: Locator['lookup'] = (id) => {
    if (id.clock < Y.getState(doc.store, id.client))
      return { struct: Y.getItem(doc.store, id) as Y.Item | Y.GC, inDoc: true }
    const struct = update === undefined ? undefined : findDecodedStruct(update, id)
    return struct === undefined || struct instanceof Y.Skip ? undefined : { struct, inDoc: false }
  }

  const parentOfDocItem = (item: Y.Item): Parent => {
    const type = item.parent
    if (!(type instanceof Y.AbstractType)) return { kind: 'invalid', why: 'an integrated item without a parent type' }
    if (type._item === null) return { kind: 'root', root: Y.findRootTypeKey(type), key: item.parentSub }
    return { kind: 'type', owner: { item: type._item, inDoc: true }, key: item.parentSub }
  }

  /** A reference from `item` to `id`: it must exist, and a reference to the item's own clientID must point back. */
  const reference = (item: Y.Item, id: Y.ID): { struct: Y.Item | Y.GC; inDoc: boolean } | Parent => {
    if (id.client === item.id.client && id.clock >= item.id.clock)
      return { kind: 'invalid', why: 'an item refers to itself or to a later item of its clientID' }
    return lookup(id) ?? { kind: 'missing', id }
  }

  const parentOfUpdateItem = (item: Y.Item): Parent => {
    const parent = item.parent as unknown
    if (typeof parent === 'string') return { kind: 'root', root: parent, key: item.parentSub }
    if (parent instanceof Y.ID) {
      const found = reference(item, parent)
      if ('kind' in found) return found
      // A deleted (collected) parent type: Yjs stores the item as a GC struct, as it does for a GC'd parent.
      if (found.struct instanceof Y.GC || found.struct.content instanceof Y.ContentDeleted) return { kind: 'garbage' }
      if (!(found.struct.content instanceof Y.ContentType))
        return { kind: 'invalid', why: 'the parent item is not a shared type' }
      return { kind: 'type', owner: { item: found.struct, inDoc: found.inDoc }, key: item.parentSub }
    }
    if (parent !== null) return { kind: 'invalid', why: 'an inbound item with an integrated parent' }
    const left = item.origin === null ? undefined : reference(item, item.origin)
    const right = item.rightOrigin === null ? undefined : reference(item, item.rightOrigin)
    for (const side of [left, right]) if (side !== undefined && 'kind' in side) return side
    const leftStruct = left as { struct: Y.Item | Y.GC; inDoc: boolean } | undefined
    const rightStruct = right as { struct: Y.Item | Y.GC; inDoc: boolean } | undefined
    if (leftStruct?.struct instanceof Y.GC || rightStruct?.struct instanceof Y.GC) return { kind: 'garbage' }
    const neighbour = leftStruct ?? rightStruct
    if (neighbour === undefined) return { kind: 'invalid', why: 'an item with neither parent nor neighbours' }
    const fromNeighbour = parentOf({ item: neighbour.struct as Y.Item, inDoc: neighbour.inDoc })
    if (leftStruct !== undefined && rightStruct !== undefined) {
      const other = parentOf({ item: rightStruct.struct as Y.Item, inDoc: rightStruct.inDoc })
      if (!sameParent(fromNeighbour, other))
        return { kind: 'invalid', why: 'the neighbours of an item are in different lists' }
    }
    return fromNeighbour
  }

  const parentOf = (ref: ItemRef): Parent => {
    if (ref.inDoc) return parentOfDocItem(ref.item)
    const known = parents.get(ref.item)
    if (known !== undefined) return known
    if (resolving.has(ref.item)) return { kind: 'invalid', why: 'items of the update refer to each other in a cycle' }
    resolving.add(ref.item)
    const parent = parentOfUpdateItem(ref.item)
    resolving.delete(ref.item)
    parents.set(ref.item, parent)
    return parent
  }

  return {
    lookup,
    locate(ref) {
      const path: PathStep[] = []
      const seen = new Set<Y.Item>()
      let current = ref
      while (path.length < MAX_LOCATION_DEPTH) {
        if (seen.has(current.item)) return { kind: 'invalid', why: 'a parent chain loops' }
        seen.add(current.item)
        const parent = parentOf(current)
        if (parent.kind !== 'root' && parent.kind !== 'type') return parent
        path.unshift({ ref: current, key: parent.key })
        if (parent.kind === 'root') return { kind: 'placed', root: parent.root, path }
        current = parent.owner
      }
      return { kind: 'invalid', why: `nested deeper than ${MAX_LOCATION_DEPTH} levels` }
    },
  }
}

function sameParent(a: Parent, b: Parent): boolean {
  if (a.kind === 'root' && b.kind === 'root') return a.root === b.root && a.key === b.key
  if (a.kind === 'type' && b.kind === 'type') return a.owner.item === b.owner.item && a.key === b.key
  return a.kind === b.kind && a.kind !== 'root' && a.kind !== 'type'
}
