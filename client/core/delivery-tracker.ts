/**
 * createDeliveryTracker: knows which entries of the local session document — messages and steering entries — the
 * server has not confirmed yet, also after a reload with no network. It keeps the last state vector the server
 * reported (its sync step 1, which counts only durable content: PROTOCOL.md §3) merged with every update received
 * from the server, and saves it through a `ServerStateStore` so the next page load starts from it. An entry is
 * pending while that state vector does not cover the entry itself (the Yjs item of its map). It keeps, per document,
 * the entries not yet seen confirmed (adding each entry as a transaction inserts it), so a check costs the entries
 * still waiting, not the whole session: a client checks on every change.
 */
import * as Y from 'yjs'
import { forEachInsertedItem } from '../../shared/session/for-each-inserted-item.ts'
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

/** What a tracker starts from and how it tells the server's changes from local ones. */
export interface DeliveryTrackerOptions {
  /** Where the server's state vector is kept between page loads; default: nowhere. */
  readonly store?: ServerStateStore | undefined
  /**
   * True for the origin of a transaction that applied what the server sent (the provider): the entries it inserts are
   * held by the server, which stores every update before it forwards it, so they are never pending. Default: none.
   */
  readonly isServerOrigin?: ((origin: unknown) => boolean) | undefined
}

/** Creates a tracker starting from what `options.store` saved. */
export function createDeliveryTracker(options: DeliveryTrackerOptions = {}): DeliveryTracker {
  const known = new Map<number, number>(options.store?.load() ?? [])
  /** Entries once seen confirmed: a server holds what it confirmed for good (persist before acknowledge). */
  const confirmed = new WeakSet<Y.Map<unknown>>()
  /** Per document, the entries not yet seen confirmed: a check costs the entries still waiting, not the session. */
  const unconfirmed = new WeakMap<Y.Doc, Set<Y.Map<unknown>>>()
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
  /** The unconfirmed entries of `doc`: all of them at the first call, then each entry as it is inserted. */
  const unconfirmedOf = (doc: Y.Doc): Set<Y.Map<unknown>> => {
    const found = unconfirmed.get(doc)
    if (found !== undefined) return found
    const { messages, steering } = getSessionRoots(doc)
    const entries = new Set<Y.Map<unknown>>()
    for (const entry of [...messages.toArray(), ...steering.toArray()] as unknown[])
      if (entry instanceof Y.Map) entries.add(entry)
    // Before any observer or `afterTransaction` listener runs: those may ask for the pending entries already. The
    // roots are looked up again each time: a document may replace its root types' objects.
    doc.on('beforeObserverCalls', (transaction: Y.Transaction) => {
      const roots = getSessionRoots(doc)
      const fromServer = options.isServerOrigin?.(transaction.origin) === true
      forEachInsertedItem(transaction, (item) => {
        if (
          (item.parent === roots.messages || item.parent === roots.steering) &&
          item.content instanceof Y.ContentType
        ) {
          const entry = item.content.type
          if (!(entry instanceof Y.Map)) return
          // Checked against the state vector, the entry would wait for this update's own, learnt after observers run.
          if (fromServer) confirmed.add(entry)
          else entries.add(entry)
        }
      })
    })
    unconfirmed.set(doc, entries)
    return entries
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
      const waiting = { messages: [] as Y.Map<unknown>[], steering: [] as Y.Map<unknown>[] }
      const entries = unconfirmedOf(doc)
      for (const entry of entries) {
        // Deleted and confirmed entries stay so: neither is pending again.
        if (entry._item === null || entry._item.deleted || covered(entry)) {
          entries.delete(entry)
          continue
        }
        // An entry without its id yet stays a candidate: the id may come in a later update.
        if (typeof entry.get('id') !== 'string') continue
        if (entry._item.parent === messages) waiting.messages.push(entry)
        else if (entry._item.parent === steering) waiting.steering.push(entry)
      }
      return [
        ...inDocumentOrder(messages, waiting.messages).map((entry) => ({ kind: 'message' as const, id: idOf(entry) })),
        ...inDocumentOrder(steering, waiting.steering).map((entry) => ({ kind: 'steer' as const, id: idOf(entry) })),
      ]
    },
  }
}

/** `entries` (children of `list`) in the list's order; walks the list only when there are two or more. */
function inDocumentOrder(list: Y.Array<Y.Map<unknown>>, entries: Y.Map<unknown>[]): Y.Map<unknown>[] {
  if (entries.length < 2) return entries
  const wanted = new Set(entries)
  const ordered: Y.Map<unknown>[] = []
  for (let item = list._start; item !== null && ordered.length < wanted.size; item = item.right) {
    if (item.deleted || !(item.content instanceof Y.ContentType)) continue
    const entry = item.content.type
    if (entry instanceof Y.Map && wanted.has(entry)) ordered.push(entry)
  }
  return ordered
}

function idOf(entry: Y.Map<unknown>): string {
  return entry.get('id') as string
}
