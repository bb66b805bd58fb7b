/**
 * inspectUpdate: decides, before anything is stored or applied, whether an inbound update may enter a session
 * (PROTOCOL.md §8.3). In order: it must decode; every new struct's clientID must belong to the sender; each
 * clientID's new structs must start exactly at the session's clock for it (a struct that also repeats what the session
 * has is read without that part); every new item must resolve to a place
 * the sender's role may write, in the shape the session schema gives it; every delete must hit live content the role may delete, or items of the update
 * itself. Structs the session already has are duplicates Yjs skips. The verdict is for the whole update: nothing
 * is ever half-applied. On an open server there is no principal: the schema, append-only, set-once and clock rules
 * hold, the identity and role rules do not (session-write-rules.ts).
 */
import * as Y from 'yjs'
import { MAX_CLIENT_IDS_PER_CONNECTION, type UpdateRejectionReason } from '../../shared/auth/update-rejection.ts'
import { getSessionRoots } from '../../shared/session/session-doc.ts'
import { ANONYMOUS_PRINCIPAL, type ConnectionPrincipal } from '../auth/connection-principal.ts'
import type { UpdateSummary } from '../persistence/update-log.ts'
import type { ClientBindings } from './client-bindings.ts'
import { decodeInboundUpdate, isDeletedByUpdate, type DecodedStruct, type DecodedUpdate } from './decoded-update.ts'
import { liveItemsIn } from './live-items-in.ts'
import { createStructLocator, type ItemRef, type Locator } from './struct-locator.ts'
import { checkShape } from './session-shape.ts'
import { summarizeUpdate } from './summarize-update.ts'
import { checkDelete, checkInsert, plainValue, type EntryFacts, type RuleContext } from './session-write-rules.ts'

/** What inspectUpdate needs. */
export interface InspectUpdateInput {
  /** The live session document (not yet holding the update). */
  readonly doc: Y.Doc
  readonly update: Uint8Array
  /** The sender, or undefined on an open server (its clientIDs are bound to ANONYMOUS_PRINCIPAL). */
  readonly principal: Pick<ConnectionPrincipal, 'id' | 'role' | 'onDeviceAgent'> | undefined
  readonly bindings: ClientBindings
  /** The sending connection (the holder clientIDs get bound to). */
  readonly holder: object
  /**
   * Set once the connection had an update refused: for each clientID a refused update wrote, the clock its structs
   * started at. A later update that writes such a clientID at or past that clock repeats or builds on the refused one,
   * and a clock gap most likely follows it: both are deferred (not stored, not applied, no notice) instead of refused
   * again, so a client that sends the same change twice is told once.
   */
  readonly held?: ReadonlyMap<number, number> | undefined
}

/** A rejection: reason code, human message and details for the client. */
export interface UpdateRejection {
  readonly reason: UpdateRejectionReason
  readonly message: string
  readonly details?: Readonly<Record<string, unknown>>
  /** Set when the token lacks a capability the update needs: the refusal's code instead of UPDATE_REJECTED. */
  readonly code?: 'AGENT_REPLY_FORBIDDEN'
  /** True when the bytes are not a Yjs v1 update at all (PROTOCOL.md §3.4). */
  readonly undecodable?: boolean
  /** For each clientID the update writes new structs with, the clock they start at (to hold back repeats). */
  readonly clocks: ReadonlyMap<number, number>
}

/** The verdict on one update. */
export type Inspection =
  /**
   * May be stored and applied; `clientIds` are the clientIDs it writes with (to bind to the sender) and `clocks` the
   * clock each starts at, `summary` the entries it touches (for its audit row), `decoded` the update as decoded here
   * (read-only: later checks reuse it instead of decoding again).
   */
  | {
      readonly verdict: 'accept'
      readonly decoded: DecodedUpdate
      readonly clientIds: readonly number[]
      readonly clocks: ReadonlyMap<number, number>
      readonly changes: boolean
      readonly summary: UpdateSummary
    }
  /**
   * The sender's own clientID continues past a gap: an earlier update of it was lost with a previous connection and
   * the sync step 2 that follows will carry both. Not stored, not applied, answered SyncStatus(false).
   */
  | { readonly verdict: 'defer'; readonly clientId: number; readonly expectedClock: number; readonly clock: number }
  | { readonly verdict: 'reject'; readonly rejection: UpdateRejection }

/** Inspects `input.update` against the session and the sender's role. */
export function inspectUpdate(input: InspectUpdateInput): Inspection {
  const { doc, principal, bindings } = input
  const principalId = principal?.id ?? ANONYMOUS_PRINCIPAL
  const malformed = (message: string, extra: Partial<UpdateRejection> = {}): Inspection => ({
    verdict: 'reject',
    rejection: { reason: 'MALFORMED', message, clocks: new Map(), ...extra },
  })
  let update: DecodedUpdate
  try {
    update = decodeInboundUpdate(input.update)
  } catch (cause) {
    return malformed('the update cannot be decoded', { details: { cause: String(cause) }, undecodable: true })
  }

  // A sync step 2 answers a state vector the server sent earlier, and the client may have sent updates of its own
  // after it: those reached the session first, and Yjs, which merges a client's consecutive text into one struct, then
  // sends a struct that begins below the session's clock and reaches past it. Yjs skips the part the session has and
  // adds the rest after the client's last struct, in the list the struct's own neighbours name: accepted only when
  // that is one list, and inspected without the repeated part, so the rest is judged where it lands.
  const repeats = repeatingStructs(update, doc)
  if (repeats.length > 0) {
    const locator = createStructLocator(doc, update)
    if (!repeats.every((struct) => landsInItsOwnList(doc, locator, struct)))
      return malformed('a struct repeats content of the session that lies in another list')
    try {
      update = decodeInboundUpdate(Y.diffUpdate(input.update, Y.encodeStateVector(doc)))
    } catch (cause) {
      return malformed('the update cannot be decoded', { details: { cause: String(cause) } })
    }
  }

  // 1. Clocks and clientIDs of the new structs.
  const newStructs: DecodedStruct[] = []
  /** Per clientID, the clock its new structs start at. */
  const firstClocks = new Map<number, number>()
  let gap: { clientId: number; expectedClock: number; clock: number } | undefined
  let repeat: typeof gap
  for (const [clientId, structs] of update.byClient) {
    const state = Y.getState(doc.store, clientId)
    const fresh = structs.filter((struct) => struct.id.clock + struct.length > state)
    const first = fresh[0]
    const last = fresh[fresh.length - 1]
    if (first === undefined || last === undefined) continue
    firstClocks.set(clientId, first.id.clock)
    const heldFrom = input.held?.get(clientId)
    if (heldFrom !== undefined && last.id.clock + last.length > heldFrom)
      repeat ??= { clientId, expectedClock: state, clock: first.id.clock }
    if (first.id.clock !== state || fresh.some((struct) => struct instanceof Y.Skip)) {
      gap ??= { clientId, expectedClock: state, clock: first.id.clock }
      continue
    }
    newStructs.push(...fresh)
  }
  const reject = (
    reason: UpdateRejectionReason,
    message: string,
    details?: Record<string, unknown>,
    code?: UpdateRejection['code'],
  ): Inspection => ({
    verdict: 'reject',
    rejection: {
      reason,
      message,
      clocks: firstClocks,
      ...(details === undefined ? {} : { details }),
      ...(code === undefined ? {} : { code }),
    },
  })
  if (repeat !== undefined) return { verdict: 'defer', ...repeat }
  const writtenClientIds = [...firstClocks.keys()]
  if (principal?.role === 'observer' && writtenClientIds.length > 0)
    return reject('ROLE_READ_ONLY', 'observers cannot change a session')
  for (const clientId of writtenClientIds) {
    if (bindings.check(clientId, principalId) === 'foreign') {
      return reject('FOREIGN_CLIENT_ID', `clientID ${clientId} belongs to another principal`, { clientId })
    }
  }
  if (gap !== undefined) {
    if (
      gap.clock > gap.expectedClock &&
      (input.held !== undefined || bindings.check(gap.clientId, principalId) === 'own')
    )
      return { verdict: 'defer', ...gap }
    return reject(
      'CLOCK_GAP',
      `clientID ${gap.clientId} must continue at clock ${gap.expectedClock}, not ${gap.clock}`,
      { ...gap },
    )
  }
  if (bindings.countHeldBy(input.holder, writtenClientIds) > MAX_CLIENT_IDS_PER_CONNECTION) {
    return reject(
      'TOO_MANY_CLIENT_IDS',
      `one connection may write with at most ${MAX_CLIENT_IDS_PER_CONNECTION} clientIDs`,
    )
  }

  // 2. Where every new item goes.
  const locator = createStructLocator(doc, update)
  const rules = createRuleContext(doc, principal, locator, update)
  for (const struct of newStructs) {
    if (!(struct instanceof Y.Item)) continue // a GC range of the sender's own clientID only advances its clock
    if (struct.content instanceof Y.ContentDoc)
      return reject('FORBIDDEN_PARENT', 'subdocuments are not part of a session')
    const location = locator.locate({ item: struct, inDoc: false })
    if (location.kind === 'missing')
      return reject('MISSING_DEPENDENCY', 'the update refers to content the session does not have', {
        client: location.id.client,
        clock: location.id.clock,
      })
    if (location.kind === 'invalid') return reject('MALFORMED', location.why)
    if (location.kind === 'garbage') continue
    const violation = checkInsert(rules, location, struct) ?? checkShape(location, struct)
    if (violation !== undefined)
      return reject(
        violation.reason,
        violation.message,
        { client: struct.id.client, clock: struct.id.clock, root: location.root },
        violation.code,
      )
  }

  // 3. What it deletes.
  let deletes = false
  for (const range of update.deletes) {
    const state = Y.getState(doc.store, range.client)
    const end = range.clock + range.len
    if (end > state) {
      const covered = coveredByUpdate(update, range.client, Math.max(range.clock, state), end)
      if (!covered)
        return reject('FORBIDDEN_DELETE', 'the update deletes content the session does not have', { ...range })
    }
    for (const item of liveItemsIn(doc, range.client, range.clock, Math.min(end, state))) {
      if (principal?.role === 'observer') return reject('ROLE_READ_ONLY', 'observers cannot change a session')
      deletes = true
      const location = locator.locate({ item, inDoc: true })
      if (location.kind !== 'placed')
        return reject('FORBIDDEN_DELETE', 'the update deletes content outside the session schema')
      const violation = checkDelete(rules, location)
      if (violation !== undefined)
        return reject(
          violation.reason,
          violation.message,
          { client: item.id.client, clock: item.id.clock, root: location.root },
          violation.code,
        )
    }
  }
  return {
    verdict: 'accept',
    decoded: update,
    clientIds: writtenClientIds,
    clocks: firstClocks,
    changes: newStructs.length > 0 || deletes,
    summary: summarizeUpdate(doc, update, locator),
  }
}

/** True when the update's own structs of `client` cover clocks [from, to). */
function coveredByUpdate(update: DecodedUpdate, client: number, from: number, to: number): boolean {
  const structs = update.byClient.get(client) ?? []
  const first = structs[0]
  const last = structs[structs.length - 1]
  return (
    first !== undefined &&
    last !== undefined &&
    first.id.clock <= from &&
    last.id.clock + last.length >= to &&
    !structs.some(
      (struct) => struct instanceof Y.Skip && struct.id.clock < to && struct.id.clock + struct.length > from,
    )
  )
}

function createRuleContext(
  doc: Y.Doc,
  principal: InspectUpdateInput['principal'],
  locator: Locator,
  update: DecodedUpdate,
): RuleContext {
  const { runs } = getSessionRoots(doc)
  const newEntries = new Map<Y.Item, Map<string, Y.Item[]>>()
  // Fields of entries the update creates: its items located directly under such an entry.
  for (const structs of update.byClient.values()) {
    for (const struct of structs) {
      if (!(struct instanceof Y.Item) || struct.id.clock < Y.getState(doc.store, struct.id.client)) continue
      const location = locator.locate({ item: struct, inDoc: false })
      const [entry, field] = location.kind === 'placed' && location.path.length === 2 ? location.path : []
      if (entry === undefined || field === undefined || entry.ref.inDoc || field.key === null) continue
      const fields = newEntries.get(entry.ref.item) ?? new Map<string, Y.Item[]>()
      fields.set(field.key, [...(fields.get(field.key) ?? []), struct])
      newEntries.set(entry.ref.item, fields)
    }
  }
  const factsOf = (ref: ItemRef): EntryFacts => {
    if (!ref.inDoc) {
      const fields = newEntries.get(ref.item) ?? new Map<string, Y.Item[]>()
      return {
        isNew: true,
        writes: (key) => fields.get(key)?.length ?? 0,
        value(key) {
          const written = (fields.get(key) ?? []).filter(
            (item) => !isDeletedByUpdate(update, item.id) && !(item.content instanceof Y.ContentDeleted),
          )
          return written.length === 1 ? plainValue(written[0] as Y.Item) : undefined
        },
      }
    }
    const content = ref.item.content
    const map =
      content instanceof Y.ContentType && content.type instanceof Y.Map ? (content.type as Y.Map<unknown>) : undefined
    return { isNew: false, writes: () => 0, value: (key) => map?.get(key) }
  }
  return {
    writer:
      principal === undefined
        ? undefined
        : { id: principal.id, role: principal.role, onDeviceAgent: principal.onDeviceAgent === true },
    entryFacts: factsOf,
    runExists: (key) => runs.has(key),
  }
}

/** The structs of `update` that begin below the session's clock for their clientID and reach past it. */
function repeatingStructs(update: DecodedUpdate, doc: Y.Doc): DecodedStruct[] {
  const repeating: DecodedStruct[] = []
  for (const [clientId, structs] of update.byClient) {
    const state = Y.getState(doc.store, clientId)
    for (const struct of structs)
      if (!(struct instanceof Y.Skip) && struct.id.clock < state && struct.id.clock + struct.length > state)
        repeating.push(struct)
  }
  return repeating
}

/**
 * Whether the repeating `struct` and the session's struct it continues (the clientID's last one) lie in one list: Yjs
 * takes an item's parent from its own neighbours and puts its new part after that struct. A GC range has no list.
 */
function landsInItsOwnList(doc: Y.Doc, locator: Locator, struct: DecodedStruct): boolean {
  if (struct instanceof Y.GC) return true
  if (!(struct instanceof Y.Item)) return false
  const last = Y.getItem(doc.store, Y.createID(struct.id.client, Y.getState(doc.store, struct.id.client) - 1))
  if (!(last instanceof Y.Item)) return false
  const claimed = locator.locate({ item: struct, inDoc: false })
  const continued = locator.locate({ item: last, inDoc: true })
  if (claimed.kind !== 'placed' || continued.kind !== 'placed' || claimed.root !== continued.root) return false
  if (claimed.path.length !== continued.path.length) return false
  return claimed.path.every((step, index) => {
    const other = continued.path[index]
    if (other === undefined || step.key !== other.key) return false
    return index === claimed.path.length - 1 || step.ref.item === other.ref.item
  })
}
