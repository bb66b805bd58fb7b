/**
 * Which principal — and which live connection — each Yjs clientID of one session belongs to (docs/security.md
 * § Tokens and roles: a clientID is never used by two live writers). A clientID is bound to the first
 * principal that writes with it or announces it in awareness; a clientID already in the document but not bound
 * in memory (after a restart) is attributed from the document (attribute-client.ts), where an on-device agent's
 * replies (`<id>/on-device`) count for the person `<id>` whose token wrote them. Another connection of the
 * same principal takes a clientID over (a reconnect while the server still holds the dead socket); the
 * superseded connection is returned so the caller can close it. On an open server (no auth) every connection writes as
 * one anonymous principal: any clientID the server does not own may be continued, exactly at its clock, by whichever
 * connection holds it last.
 */
import * as Y from 'yjs'
import { onDeviceAgentOwner } from '../../shared/auth/on-device-agent-id.ts'
import { attributeClientId, SERVER_OWNER, type ClientOwner } from './attribute-client.ts'

/** Whether a principal may write with a clientID. */
export type ClientClaim =
  /** Bound to this principal (or attributed to it by the document). */
  | 'own'
  /** Unused: neither bound nor in the document. */
  | 'free'
  /** Bound or attributed to someone else, or not attributable. */
  | 'foreign'

/** The bindings of one session. */
export interface ClientBindings {
  check(clientId: number, principalId: string): ClientClaim
  /** Binds `clientId` to `principalId` held by `holder`; returns a different live holder it takes over from. */
  bind(clientId: number, principalId: string, holder: object): object | undefined
  /** Reserves `clientId` for the server's own writes. */
  bindServer(clientId: number): void
  /** ClientIDs `holder` has bound, or would hold after binding `extra`. */
  countHeldBy(holder: object, extra?: Iterable<number>): number
  /**
   * Forgets `holder` (a connection that closed): its clientIDs stay bound to their principal with no live holder, so
   * a closed connection is not kept in memory by the session it wrote to.
   */
  release(holder: object): void
}

interface Binding {
  readonly owner: ClientOwner
  holder: object | undefined
}

/** Options of {@link createClientBindings}. */
export interface ClientBindingsOptions {
  readonly doc: Y.Doc
  /** Tells whether a holder (a connection) is still connected. */
  readonly isLive: (holder: object) => boolean
  /** On an open server: the principal every connection writes as; a clientID the document cannot attribute is its. */
  readonly openPrincipal?: string
  /** True for clientIDs the server publishes awareness under (HTTP devices): the server's, never a client's. */
  readonly isServerClientId?: (clientId: number) => boolean
}

/** Creates the bindings of the session in `options.doc`. */
export function createClientBindings(options: ClientBindingsOptions): ClientBindings {
  const { openPrincipal } = options
  // An on-device agent writes with its person's clientIDs (PROTOCOL.md §8.4): its replies count for the person.
  const principalOf =
    openPrincipal === undefined
      ? (owner: ClientOwner): ClientOwner => (owner === SERVER_OWNER ? owner : (onDeviceAgentOwner(owner) ?? owner))
      : (owner: ClientOwner): ClientOwner => (owner === SERVER_OWNER ? owner : openPrincipal)
  const bindings = new Map<number, Binding>()
  const held = new WeakMap<object, Set<number>>()
  const unattributable = new Set<number>()

  const ownerOf = (clientId: number): ClientOwner | undefined | null => {
    if (options.isServerClientId?.(clientId) === true) return SERVER_OWNER
    const bound = bindings.get(clientId)
    if (bound !== undefined) return bound.owner
    if (unattributable.has(clientId)) return null
    if (Y.getState(options.doc.store, clientId) === 0) return undefined
    const attribution = attributeClientId(options.doc, clientId, principalOf)
    const owner =
      attribution.kind === 'owner' ? attribution.owner : attribution.kind === 'unknown' ? openPrincipal : undefined
    if (owner === undefined) {
      unattributable.add(clientId)
      return null
    }
    bindings.set(clientId, { owner, holder: undefined })
    return owner
  }

  return {
    check(clientId, principalId) {
      const owner = ownerOf(clientId) // undefined: unused; null: not attributable
      if (owner === undefined) return 'free'
      return owner === principalId ? 'own' : 'foreign'
    },
    bind(clientId, principalId, holder) {
      const previous = bindings.get(clientId)
      if (previous !== undefined && previous.owner !== principalId) {
        throw new Error(`invariant violated: clientID ${clientId} is bound to another principal`)
      }
      const superseded =
        previous?.holder !== undefined && previous.holder !== holder && options.isLive(previous.holder)
          ? previous.holder
          : undefined
      if (previous?.holder !== undefined) held.get(previous.holder)?.delete(clientId)
      bindings.set(clientId, { owner: principalId, holder })
      const set = held.get(holder) ?? new Set<number>()
      set.add(clientId)
      held.set(holder, set)
      return superseded
    },
    bindServer(clientId) {
      bindings.set(clientId, { owner: SERVER_OWNER, holder: undefined })
    },
    countHeldBy(holder, extra = []) {
      const set = new Set(held.get(holder))
      for (const clientId of extra) set.add(clientId)
      return set.size
    },
    release(holder) {
      for (const clientId of held.get(holder) ?? []) {
        const binding = bindings.get(clientId)
        if (binding?.holder === holder) binding.holder = undefined
      }
      held.delete(holder)
    },
  }
}
