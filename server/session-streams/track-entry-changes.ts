/**
 * Follows which `messages` and `steering` entries of a session document change (Yjs deep observers), so the event
 * recorder derives from the entries a change touched rather than from all of them (derive-session-events.ts).
 *
 * An entry counts as changed when it is inserted or anything inside it changes. The tracker also counts the ids of
 * the `messages` entries: while two entries share an id, the events of one depend on the other, and every
 * derivation is a full one. So is the first. A derivation that was taken but not committed (`done` never called:
 * it failed) leaves its entries to the next one, which then reads them too (a full one, if it was).
 */
import * as Y from 'yjs'
import { entryHolding } from '../../shared/session/entry-holding.ts'
import { getSessionRoots } from '../../shared/session/session-doc.ts'

/** The entries changed since the last derivation. */
export interface EntryChanges {
  readonly messages: ReadonlySet<Y.Map<unknown>>
  readonly steers: ReadonlySet<Y.Map<unknown>>
}

/** What one derivation is to read. */
export interface EntryChangeBatch {
  /** The entries to read, or undefined when the derivation must read every entry. */
  readonly changes: EntryChanges | undefined
  /** The derivation is committed: neither its entries nor those of earlier uncommitted ones are read again. */
  done(): void
}

/** The tracker of one loaded document. */
export interface EntryChangeTracker {
  /**
   * What the next derivation reads: the entries changed since the last call plus those of derivations taken but not
   * done; every entry for the first derivation, while `messages` ids repeat, or while a full one is not done.
   */
  take(): EntryChangeBatch
  /** Stops observing the document. */
  detach(): void
}

/** The entries of one taken derivation, in the order taken. */
interface TakenBatch {
  readonly seq: number
  readonly messages: ReadonlySet<Y.Map<unknown>>
  readonly steers: ReadonlySet<Y.Map<unknown>>
  readonly all: boolean
}

/** The entries of a derivation that has none to read. */
const NO_ENTRIES: ReadonlySet<Y.Map<unknown>> = new Set()

/** Starts tracking `doc`; reads every `messages` entry's id once. */
export function trackEntryChanges(doc: Y.Doc): EntryChangeTracker {
  const { messages, steering } = getSessionRoots(doc)
  // Made at the first change after a derivation: an idle session holds none.
  let changedMessages: Set<Y.Map<unknown>> | undefined
  let changedSteers: Set<Y.Map<unknown>> | undefined
  let first = true
  /** Derivations taken and not done yet. */
  const pending: TakenBatch[] = []
  let nextSeq = 0

  const idOf = new WeakMap<Y.Map<unknown>, string>()
  const entriesPerId = new Map<string, number>()
  let repeatedIds = 0
  const count = (id: string, by: 1 | -1): void => {
    const before = entriesPerId.get(id) ?? 0
    const after = before + by
    if (after === 0) entriesPerId.delete(id)
    else entriesPerId.set(id, after)
    if (before < 2 && after >= 2) repeatedIds++
    if (before >= 2 && after < 2) repeatedIds--
  }
  const setId = (entry: Y.Map<unknown>, id: string | undefined): void => {
    const previous = idOf.get(entry)
    if (previous === id) return
    if (previous !== undefined) count(previous, -1)
    if (id === undefined) {
      idOf.delete(entry)
      return
    }
    count(id, 1)
    idOf.set(entry, id)
  }
  const readId = (entry: Y.Map<unknown>): string | undefined => {
    const id = entry.get('id')
    return typeof id === 'string' ? id : undefined
  }
  for (const entry of messages.toArray() as unknown[]) if (entry instanceof Y.Map) setId(entry, readId(entry))

  /**
   * Passes the entries of `root` that `events` touched to `changed`, and calls `onEntry` for each (present) and for
   * each entry removed from `root` (not present).
   */
  const collect = (
    root: Y.Array<Y.Map<unknown>>,
    events: ReadonlyArray<Y.YEvent<Y.AbstractType<unknown>>>,
    changed: (entry: Y.Map<unknown>) => void,
    onEntry?: (entry: Y.Map<unknown>, present: boolean) => void,
  ): void => {
    for (const event of events) {
      if (event.target === root) {
        for (const item of event.changes.deleted)
          for (const entry of item.content.getContent() as unknown[])
            if (entry instanceof Y.Map) onEntry?.(entry, false)
        for (const item of event.changes.added)
          for (const entry of item.content.getContent() as unknown[])
            if (entry instanceof Y.Map) {
              changed(entry)
              onEntry?.(entry, true)
            }
        continue
      }
      const entry = entryHolding(event.target, root)
      if (!(entry instanceof Y.Map) || entry._item?.deleted !== false) continue
      changed(entry)
      onEntry?.(entry, true)
    }
  }
  const messageChanged = (entry: Y.Map<unknown>): void => {
    changedMessages ??= new Set()
    changedMessages.add(entry)
  }
  const steerChanged = (entry: Y.Map<unknown>): void => {
    changedSteers ??= new Set()
    changedSteers.add(entry)
  }
  const onMessages = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    collect(messages, events, messageChanged, (entry, present) => {
      setId(entry, present ? readId(entry) : undefined)
    })
  }
  const onSteering = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    collect(steering, events, steerChanged)
  }
  messages.observeDeep(onMessages)
  steering.observeDeep(onSteering)

  return {
    take() {
      const batch: TakenBatch = {
        seq: nextSeq++,
        messages: changedMessages ?? NO_ENTRIES,
        steers: changedSteers ?? NO_ENTRIES,
        all: first || repeatedIds > 0,
      }
      first = false
      changedMessages = undefined
      changedSteers = undefined
      pending.push(batch)
      const done = (): void => {
        // Everything taken up to this derivation was read by it.
        while (pending.length > 0 && (pending[0] as TakenBatch).seq <= batch.seq) pending.shift()
      }
      if (pending.some((taken) => taken.all)) return { changes: undefined, done }
      if (pending.length === 1) return { changes: { messages: batch.messages, steers: batch.steers }, done }
      return {
        changes: {
          messages: new Set(pending.flatMap((taken) => [...taken.messages])),
          steers: new Set(pending.flatMap((taken) => [...taken.steers])),
        },
        done,
      }
    },
    detach() {
      messages.unobserveDeep(onMessages)
      steering.unobserveDeep(onSteering)
    },
  }
}
