/**
 * Publishes HTTP devices (PROTOCOL.md §9.9) in the awareness of their session's loaded document, so Yjs clients'
 * presence lists show a Python agent or a script like any device. Each lease is a server-owned awareness state
 * `{ member }` under the lease's own clientID (http-presence.ts), with the member from the token: renewed with every
 * announcement (so neither the silent-device sweep nor a client's outdated-state check drops it), removed when the
 * lease ends or runs out, and published again whenever the document loads. The removal and every renewal are
 * broadcast like any awareness change (and relayed to other nodes with scale-out).
 */
import type { afterLoadDocumentPayload, Document, Extension, Hocuspocus } from '@hocuspocus/server'
import * as encoding from 'lib0/encoding'
import { applyAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import { MAX_DEVICE_LABEL_CHARS } from '../../shared/auth/update-rejection.ts'
import type { HttpDevice } from './http-presence.ts'

/** The origin of the server's own awareness changes for HTTP devices. */
const HTTP_PRESENCE_ORIGIN = 'lifeline-http-presence'

/** The publisher: its extension, and `sync` to call after a session's HTTP devices changed or renewed. */
export interface HttpPresenceAwareness {
  readonly extension: Extension
  /** Brings the awareness of `sessionId`'s loaded document in line with its HTTP devices (renewing each); no-op when not loaded. */
  sync(sessionId: string): void
}

/** Creates the publisher over the devices `devices(sessionId)` lists. */
export function createHttpPresenceAwareness(options: {
  readonly hocuspocus: () => Hocuspocus
  readonly devices: (sessionId: string) => readonly HttpDevice[]
}): HttpPresenceAwareness {
  /** The clientIDs published in each document. */
  const published = new WeakMap<Document, Set<number>>()

  const sync = (document: Document, sessionId: string): void => {
    const { awareness } = document
    const devices = options.devices(sessionId)
    // No set for a session that has no HTTP device and had none: most sessions never have one.
    if (devices.length === 0 && !published.has(document)) return
    const mine = published.get(document) ?? new Set<number>()
    published.set(document, mine)
    const gone = [...mine].filter((clientId) => !devices.some((device) => device.clientId === clientId))
    for (const clientId of gone) mine.delete(clientId)
    const present = gone.filter((clientId) => awareness.getStates().has(clientId))
    if (present.length > 0) removeAwarenessStates(awareness, present, HTTP_PRESENCE_ORIGIN)
    for (const { clientId, member } of devices) {
      const state = {
        member: {
          principalId: member.principalId,
          ...(member.role === undefined ? {} : { role: member.role }),
          ...(member.device === undefined ? {} : { device: member.device.slice(0, MAX_DEVICE_LABEL_CHARS) }),
        },
      }
      const clock = (awareness.meta.get(clientId)?.clock ?? 0) + 1
      applyAwarenessUpdate(awareness, encodeAwarenessState(clientId, clock, state), HTTP_PRESENCE_ORIGIN)
      mine.add(clientId)
    }
    if (mine.size === 0) published.delete(document)
  }

  return {
    extension: {
      extensionName: 'lifeline-http-presence-awareness',
      async afterLoadDocument({ document, documentName }: afterLoadDocumentPayload) {
        sync(document, documentName)
      },
    },
    sync(sessionId) {
      const document = options.hocuspocus().documents.get(sessionId)
      if (document !== undefined) sync(document, sessionId)
    },
  }
}

/** An awareness update (y-protocols' encoding) setting the state of one clientID at `clock`. */
function encodeAwarenessState(clientId: number, clock: number, state: unknown): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, clientId)
  encoding.writeVarUint(encoder, clock)
  encoding.writeVarString(encoder, JSON.stringify(state))
  return encoding.toUint8Array(encoder)
}
