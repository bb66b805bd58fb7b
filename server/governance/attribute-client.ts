/**
 * Who wrote a Yjs clientID's structs, read from the document itself. Every struct in a governed session passed
 * the write rules, so a struct inside a message was written by its author, inside a run by its agent, in `meta` by
 * the server. Bindings of clientIDs to principals are kept in memory only; after a restart (or an unload) the
 * document is their durable record: a returning writer may continue its clientID, anyone else may not.
 */
import * as Y from 'yjs'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'
import { createStructLocator, type ItemRef, type Location } from './struct-locator.ts'
import { STEER_HANDLED_KEYS } from './session-write-rules.ts'

/** Stands for the server's own writes (session initialisation, run leases). */
export const SERVER_OWNER: unique symbol = Symbol('lifeline.server')

/** A principal id, or the server. */
export type ClientOwner = string | typeof SERVER_OWNER

/** Outcome of attributing a clientID. */
export type Attribution =
  | { readonly kind: 'owner'; readonly owner: ClientOwner }
  /** Nothing of it says who wrote it (only GC'd or `context` structs): nobody may continue it. */
  | { readonly kind: 'unknown' }
  /** Its structs point at more than one owner (e.g. an old server's clientID): nobody may continue it. */
  | { readonly kind: 'contested' }

/**
 * Attributes the structs `clientId` has in `doc`; `principalOf` maps each owner found before they are compared (on
 * an open server every principal is the one anonymous principal, so only the server's writes set a clientID apart).
 */
export function attributeClientId(
  doc: Y.Doc,
  clientId: number,
  principalOf: (owner: ClientOwner) => ClientOwner = (owner) => owner,
): Attribution {
  const structs = doc.store.clients.get(clientId) ?? []
  const locator = createStructLocator(doc)
  let found: ClientOwner | undefined
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue
    const located = ownerOf(locator.locate({ item: struct, inDoc: true }))
    if (located === undefined) continue
    const owner = principalOf(located)
    if (found !== undefined && found !== owner) return { kind: 'contested' }
    found = owner
  }
  return found === undefined ? { kind: 'unknown' } : { kind: 'owner', owner: found }
}

function ownerOf(location: Location): ClientOwner | undefined {
  if (location.kind !== 'placed') return undefined
  const entry = (location.path[0] as { ref: ItemRef }).ref
  const fieldKey = location.path[1]?.key ?? null
  switch (location.root) {
    case SESSION_ROOTS.META:
      return SERVER_OWNER
    case SESSION_ROOTS.MESSAGES:
      return stringField(entry, 'author')
    case SESSION_ROOTS.STEERING:
      return stringField(entry, STEER_HANDLED_KEYS.includes(fieldKey ?? '') ? 'handledBy' : 'author')
    case SESSION_ROOTS.RUNS:
      return stringField(entry, 'agent')
    case SESSION_ROOTS.PEOPLE:
      return location.path[0]?.key ?? undefined
    default:
      return undefined
  }
}

function stringField(entry: ItemRef, key: string): string | undefined {
  const content = entry.item.content
  if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Map)) return undefined
  const value: unknown = content.type.get(key)
  return typeof value === 'string' ? value : undefined
}
