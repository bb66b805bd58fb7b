/**
 * createBrowserSessionClient: the session client for web pages. It keeps an offline copy of the session in
 * IndexedDB (y-indexeddb), so a page shows the transcript at once — also offline — and messages written offline
 * are stored locally and sync when the network is back. What the page writes goes to the copy at once; what it
 * receives from the server is written in batches, off the path of each streamed token
 * (batched-indexeddb-persistence.ts). Every page load gets a new Y.Doc, so two tabs or a
 * reloaded tab never write under the same Yjs clientID. When the server reports the session deleted, the copy is
 * erased too, and the session's id is remembered as deleted (deleted-sessions.ts) so a later page does not open it. When the client drops a refused update by replacing its document (PROTOCOL.md §8.3), the copy is erased
 * and written anew from the new document, so a reload never brings the refused change back. The refused writes
 * themselves (`refused()`) are kept in the copy's database until retried or discarded, so a reload still lists them.
 *
 * Offline (docs/offline.md): the last known server state vector is kept in localStorage, so `pendingEntries()` still
 * names the entries not yet delivered after a reload with no network; the browser's `offline` event drops the
 * connection at once (an open WebSocket may otherwise stay open, silent, for long) and `online` reconnects at once.
 */
import { HocuspocusProvider } from '@hocuspocus/provider'
import { clearDocument } from 'y-indexeddb'
import * as Y from 'yjs'
import { createSessionClient, type SessionClient, type SessionClientOptions } from '../core/session-client.ts'
import { createStorageTransportMemory } from '../core/transports/transport-memory.ts'
import { BatchedIndexeddbPersistence } from './batched-indexeddb-persistence.ts'
import { rememberDeletedSession } from './deleted-sessions.ts'
import { createLocalServerStateStore, serverStateStorageKey } from './local-server-state.ts'
import { decodeRefusedWrites, encodeRefusedWrites, REFUSED_WRITES_KEY } from './stored-refused-writes.ts'

/** Options of {@link createBrowserSessionClient}: those of the core client, minus the document and socket class. */
export type BrowserSessionClientOptions = Omit<SessionClientOptions, 'doc' | 'WebSocket'>

/** A session client with an IndexedDB copy. */
export interface BrowserSessionClient extends SessionClient {
  /** Resolves once the offline copy has been loaded into the document. */
  readonly whenOfflineCopyLoaded: Promise<void>
}

/** Name of the IndexedDB database holding a session's offline copy. */
export function offlineDatabaseName(sessionId: string): string {
  return `lifeline:${sessionId}`
}

/** Updates a provider applied came from the server: the offline copy may write them in batches. */
const receivedFromServer = (origin: unknown): boolean => origin instanceof HocuspocusProvider

/**
 * Opens a session in the browser with its offline copy. A session this browser saw deleted should not be opened again
 * (`wasSessionDeletedHere`): its copy would be made anew, empty, and connecting would create the session again.
 */
export function createBrowserSessionClient(options: BrowserSessionClientOptions): BrowserSessionClient {
  const doc = new Y.Doc()
  const databaseName = offlineDatabaseName(options.sessionId)
  const openOfflineCopy = (copyOf: Y.Doc) =>
    new BatchedIndexeddbPersistence(databaseName, copyOf, { isReceived: receivedFromServer })
  let offlineCopy = openOfflineCopy(doc)
  const whenOfflineCopyLoaded = offlineCopy.whenSynced.then(() => undefined)
  /** Replacing the copy after a refused update: steps run one after another, each on the copy of its time. */
  let replacing = Promise.resolve()
  let destroyed = false
  // reason: a failed IndexedDB step leaves that copy as it is; the steps after it still run
  const afterReplacing = (step: () => Promise<unknown>): void => {
    replacing = replacing.then(step).then(
      () => undefined,
      () => undefined,
    )
  }
  const transportMemory = createStorageTransportMemory(localStorage)
  const client = createSessionClient({
    serverState: createLocalServerStateStore(localStorage, options.sessionId),
    // Kept in the copy's database: a copy written anew after a refusal gets them again, an erased one loses them.
    refusedWriteStore: {
      load: async () => decodeRefusedWrites(await offlineCopy.get(REFUSED_WRITES_KEY)),
      save: (writes) => {
        const value = encodeRefusedWrites(writes)
        afterReplacing(() => offlineCopy.set(REFUSED_WRITES_KEY, value))
      },
    },
    ...options,
    doc,
    WebSocket: globalThis.WebSocket,
    transport: options.transport === false ? false : { memory: transportMemory, ...options.transport },
  })
  // Right to erasure: a deleted session leaves no copy behind in this browser, only its id (deleted-sessions.ts).
  client.on('error', (error) => {
    if (error.code !== 'SESSION_DELETED') return
    afterReplacing(() => offlineCopy.clearData())
    localStorage.removeItem(serverStateStorageKey(options.sessionId))
    rememberDeletedSession(options.sessionId)
  })
  const goneOffline = (): void => {
    client.reconnect()
  }
  // Only while waiting out a backoff: starting over during a connection attempt would cut that attempt — unless that
  // attempt is on a remembered HTTP fallback: the network that is back may let WebSockets through, so the choice is
  // forgotten and the next connection tries a WebSocket first (PROTOCOL.md §7.1).
  const transportKey = new URL(options.url).host
  const backOnline = (): void => {
    if (transportMemory.get(transportKey) !== undefined) {
      transportMemory.forget(transportKey)
      if (client.status !== 'offline') {
        client.reconnect()
        return
      }
    }
    if (client.status === 'offline') client.connect()
  }
  globalThis.addEventListener('offline', goneOffline)
  globalThis.addEventListener('online', backOnline)
  client.on('replica', (replica) => {
    // The copy holds the refused change: delete it, then store the new document (a new copy starts with its full state).
    afterReplacing(async () => {
      await offlineCopy.destroy()
      await clearDocument(databaseName)
      if (!destroyed) offlineCopy = openOfflineCopy(replica)
    })
  })
  return {
    ...client,
    get doc() {
      return client.doc
    },
    get status() {
      return client.status
    },
    get unsyncedChanges() {
      return client.unsyncedChanges
    },
    get limits() {
      return client.limits
    },
    get transport() {
      return client.transport
    },
    whenOfflineCopyLoaded,
    destroy() {
      destroyed = true
      globalThis.removeEventListener('offline', goneOffline)
      globalThis.removeEventListener('online', backOnline)
      client.destroy()
      afterReplacing(() => offlineCopy.destroy())
    },
  }
}
