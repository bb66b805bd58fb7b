/**
 * Follows which `messages` and `steering` entries of a session document change (Yjs deep observers), so the event
 * recorder derives from the entries a change touched rather than from all of them (derive-session-events.ts).
 *
 * An entry counts as changed when it is inserted or anything inside it changes. The tracker also counts the ids of
 * the `messages` entries: while two entries share an id, the events of one depend on the other, and every
 * derivation is a full one. So is the first, and the one after a derivation whose changes were lost (`lost`).
 */
import * as Y from 'yjs'
import { getSessionRoots } from '../../shared/session/session-doc.ts'

/** The entries changed since the last derivation. */
export interface EntryChanges {
  readonly messages: ReadonlySet<Y.Map<unknown>>
  readonly steers: ReadonlySet<Y.Map<unknown>>
}

/** The tracker of one loaded document. */
export interface EntryChangeTracker {
  /**
   * The entries changed since the last call, which starts a new set; undefined when the next derivation must read
   * every entry (the first one, after `lost`, or while `messages` ids repeat).
   */
  take(): EntryChanges | undefined
  /** The changes last taken were not derived (the derivation or its commit failed): the next derivation reads all. */
  lost(): void
  /** Stops observing the document. */
  detach(): void
}

/** Starts tracking `doc`; reads every `messages` entry's id once. */
export function trackEntryChanges(doc: Y.Doc): EntryChangeTracker {
  const { messages, steering } = getSessionRoots(doc)
  let changedMessages = new Set<Y.Map<unknown>>()
  let changedSteers = new Set<Y.Map<unknown>>()
  let readAll = true

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
   * Adds the entries of `root` that `events` touched to `changed`, and calls `onEntry` for each (present) and for each
   * entry removed from `root` (not present).
   */
  const collect = (
    root: Y.Array<Y.Map<unknown>>,
    events: ReadonlyArray<Y.YEvent<Y.AbstractType<unknown>>>,
    changed: Set<Y.Map<unknown>>,
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
              changed.add(entry)
              onEntry?.(entry, true)
            }
        continue
      }
      let entry: Y.AbstractType<unknown> = event.target
      while (entry.parent !== null && entry.parent !== root) entry = entry.parent as Y.AbstractType<unknown>
      if (entry.parent !== root || !(entry instanceof Y.Map) || entry._item?.deleted !== false) continue
      changed.add(entry)
      onEntry?.(entry, true)
    }
  }
  const onMessages = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    collect(messages, events, changedMessages, (entry, present) => {
      setId(entry, present ? readId(entry) : undefined)
    })
  }
  const onSteering = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>): void => {
    collect(steering, events, changedSteers)
  }
  messages.observeDeep(onMessages)
  steering.observeDeep(onSteering)

  return {
    take() {
      const changes = { messages: changedMessages, steers: changedSteers }
      changedMessages = new Set()
      changedSteers = new Set()
      const all = readAll || repeatedIds > 0
      readAll = false
      return all ? undefined : changes
    },
    lost() {
      readAll = true
    },
    detach() {
      messages.unobserveDeep(onMessages)
      steering.unobserveDeep(onSteering)
    },
  }
}
