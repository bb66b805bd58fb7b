/**
 * Names the stored row that wrote each quarantined entry of a session (find-quarantined.ts), for the load warning,
 * the metric and the audit trail (PROTOCOL.md §1.3, §3.9). Each misfit is traced to one struct of the document: the
 * value at fault, the list element or map value it sits in when a required field is absent, or — when the value was
 * removed — its deletion. That struct is then looked up in the structs and delete sets of the snapshot and the stored
 * updates, decoded once each and only when something was found, so a normal load pays nothing. Content folded into
 * the snapshot is reported with the snapshot's seq range; what no row can be shown to hold (it never happens with a
 * document built from these rows) with the whole range.
 */
import * as Y from 'yjs'
import type { QuarantinedEntry } from '../../shared/session/find-quarantined.ts'
import type { StoredSession } from './update-log.ts'

/** A quarantined entry and the seqs of the stored row that wrote it. */
export interface LocatedQuarantine extends QuarantinedEntry {
  /** The log row that wrote it (`fromSeq` = `toSeq`), or 1 … the snapshot's seq when it was folded into the snapshot. */
  readonly fromSeq: number
  readonly toSeq: number
}

/** The struct to blame: one that created the value at fault, or the deletion of one. */
interface Blame {
  readonly id: Y.ID
  readonly deleted: boolean
}

/**
 * Locates `found` (quarantined entries of `doc`, which was built from `stored`) in `stored`.
 * The answer has one element per element of `found`, in order.
 */
export function locateQuarantined(
  stored: StoredSession,
  doc: Y.Doc,
  found: readonly QuarantinedEntry[],
): LocatedQuarantine[] {
  const blames = found.map((entry) => blameOf(doc, entry))
  const located = new Array<{ fromSeq: number; toSeq: number } | undefined>(found.length)
  let open = blames.length
  // The snapshot first: a later row may repeat what it holds (a sync step 2 carries the sender's whole delete set).
  const rows = [
    ...(stored.snapshot === undefined ? [] : [{ update: stored.snapshot, fromSeq: 1, toSeq: stored.snapshotSeq }]),
    ...stored.entries.map((entry) => ({ update: entry.update, fromSeq: entry.seq, toSeq: entry.seq })),
  ]
  for (const { update, fromSeq, toSeq } of rows) {
    if (open === 0) break
    const { structs, ds } = Y.decodeUpdate(update)
    blames.forEach((blame, index) => {
      if (located[index] !== undefined || blame === undefined) return
      const hit = blame.deleted
        ? (ds.clients.get(blame.id.client) ?? []).some((range) => contains(range.clock, range.len, blame.id.clock))
        : structs.some(
            (struct) =>
              struct instanceof Y.Item &&
              struct.id.client === blame.id.client &&
              contains(struct.id.clock, struct.length, blame.id.clock),
          )
      if (hit) {
        located[index] = { fromSeq, toSeq }
        open -= 1
      }
    })
  }
  const everything = { fromSeq: 1, toSeq: stored.entries.at(-1)?.seq ?? stored.snapshotSeq }
  return found.map((entry, index) => ({ ...entry, ...(located[index] ?? everything) }))
}

function contains(start: number, length: number, clock: number): boolean {
  return clock >= start && clock < start + length
}

/** The struct behind `entry`'s misfit, following its path from the root; undefined when the entry is not there. */
function blameOf(doc: Y.Doc, entry: QuarantinedEntry): Blame | undefined {
  let place: Place | undefined =
    entry.index === undefined
      ? mapValueAt(doc.getMap<unknown>(entry.root), entry.key ?? '')
      : listElementAt(doc.getArray<unknown>(entry.root), entry.index)
  if (place === undefined || place.deleted) return place
  for (const step of entry.path) {
    const value: unknown = place.value
    const next: Place | undefined =
      typeof step === 'string'
        ? value instanceof Y.Map
          ? mapValueAt(value, step)
          : undefined
        : value instanceof Y.Array
          ? listElementAt(value, step)
          : undefined
    // An absent value: the container that lacks it was written so; a removed one: its deletion.
    if (next === undefined) return place
    if (next.deleted) return next
    place = next
  }
  return place
}

/** A struct in the document, the value it holds there, and whether it is deleted. */
interface Place extends Blame {
  readonly value: unknown
}

function mapValueAt(map: Y.Map<unknown>, key: string): Place | undefined {
  const item = map._map.get(key)
  return item === undefined ? undefined : { id: item.id, deleted: item.deleted, value: map.get(key) }
}

function listElementAt(list: Y.Array<unknown>, index: number): Place | undefined {
  let before = 0
  for (let item = list._start; item !== null; item = item.right) {
    if (item.deleted || !item.countable) continue
    if (index < before + item.length) {
      const offset = index - before
      return {
        id: Y.createID(item.id.client, item.id.clock + offset),
        deleted: false,
        value: item.content.getContent()[offset],
      }
    }
    before += item.length
  }
  return undefined
}
