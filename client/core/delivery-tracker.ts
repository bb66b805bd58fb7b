/**
 * createDeliveryTracker: knows which entries of the local session document — messages and steering entries — the
 * server has not confirmed yet, also after a reload with no network. It keeps the last state vector the server
 * reported (its sync step 1, which counts only durable content: PROTOCOL.md §3) merged with every update received
 * from the server, and saves it through a `ServerStateStore` so the next page load starts from it. An entry is
 * pending while that state vector does not cover the entry itself (the Yjs item of its map).
 */
import type * as Y from 'yjs'
import { getSessionRoots } from '../../shared/session/session-doc.ts'

/** A local entry the server has not confirmed: a message or a steering entry, by id. */
export interface PendingEntry {
  readonly kind: 'message' | 'steer'
  readonly id: string
}

/** Where a session's last known server state vector is kept between page loads (e.g. localStorage). */
export interface ServerStateStore {
  /** The saved state vector (clientID → clock), or undefined when none was saved. */
  load(): ReadonlyMap<number, number> | undefined
  save(stateVector: ReadonlyMap<number, number>): void
}

/** Tracks what the server holds of one session. */
export interface DeliveryTracker {
  /** The server reported its state vector (a sync step 1): it replaces what was known. */
  learnServerState(stateVector: ReadonlyMap<number, number>): void
  /** An update came from the server: the server holds everything in it. */
  learnServerUpdate(stateVectorOfUpdate: ReadonlyMap<number, number>): void
  /** Entries of `doc` the server has not confirmed, in document order (messages first, then steering entries). */
  pending(doc: Y.Doc): PendingEntry[]
}

/** Creates a tracker starting from what `store` saved. */
export function createDeliveryTracker(options: { store?: ServerStateStore | undefined } = {}): DeliveryTracker {
  const known = new Map<number, number>(options.store?.load() ?? [])
  /** Entries once seen confirmed: a server holds what it confirmed for good (persist before acknowledge). */
  const confirmed = new WeakSet<Y.Map<unknown>>()
  const save = (): void => {
    options.store?.save(known)
  }
  const covered = (entry: Y.Map<unknown>): boolean => {
    if (confirmed.has(entry)) return true
    const id = entry._item?.id
    if (id === undefined || id.clock >= (known.get(id.client) ?? 0)) return false
    confirmed.add(entry)
    return true
  }
  const collect = (kind: PendingEntry['kind'], entries: readonly unknown[], into: PendingEntry[]): void => {
    for (const entry of entries) {
      if (typeof entry !== 'object' || entry === null || !('_item' in entry) || !('get' in entry)) continue
      const map = entry as Y.Map<unknown>
      const id = map.get('id')
      if (typeof id === 'string' && !covered(map)) into.push({ kind, id })
    }
  }
  return {
    learnServerState(stateVector) {
      known.clear()
      for (const [client, clock] of stateVector) known.set(client, clock)
      save()
    },
    learnServerUpdate(stateVector) {
      let changed = false
      for (const [client, clock] of stateVector) {
        if ((known.get(client) ?? 0) >= clock) continue
        known.set(client, clock)
        changed = true
      }
      if (changed) save()
    },
    pending(doc) {
      const { messages, steering } = getSessionRoots(doc)
      const entries: PendingEntry[] = []
      collect('message', messages.toArray(), entries)
      collect('steer', steering.toArray(), entries)
      return entries
    },
  }
}
