/**
 * openReplica: one copy of a session document and the connection that keeps it in sync with the server — a socket
 * manager that reconnects with backoff, a Hocuspocus provider on it, the durability tracker of its document and the
 * device's presence. A session client holds one, and opens a fresh one when the server refuses one of its updates
 * (PROTOCOL.md §8.3): Yjs cannot take a change back, so dropping it means replacing the copy that holds it.
 */
import { HocuspocusProvider, WebSocketStatus } from '@hocuspocus/provider'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { createDurabilityTracker, type DurabilityTracker } from './durability-tracker.ts'
import { createHeartbeat } from './heartbeat.ts'
import { announcePresence, renewPresence, type PresenceRole } from './presence.ts'
import { StoppableProviderWebsocket } from './stoppable-provider-websocket.ts'

/** What a replica connects with. */
export interface ReplicaOptions {
  /** WebSocket URL of the server. */
  readonly url: string
  readonly sessionId: string
  /** The document to keep in sync. */
  readonly doc: Y.Doc
  /** Sent in every Auth frame: a token, or a function returning a fresh one. */
  readonly token: string | (() => Promise<string>)
  /** WebSocket class; the platform's global one when undefined. */
  readonly WebSocketPolyfill: unknown
  /** Wait before the first reconnect attempt, in ms (doubles up to 5 s). */
  readonly reconnectDelayMs: number
  /** How often the device renews its presence while connected, in ms; read again before each renewal. */
  readonly presenceHeartbeatMs: () => number
  /** This device in presence. */
  readonly member: { readonly principalId: string; readonly role: PresenceRole; readonly device?: string }
  /** Largest update one frame may carry; larger ones go out in pieces (PROTOCOL.md §10.1). */
  readonly maxUpdateBytes: () => number
  /** Silence after which the server is asked for an answer, and how long it has to answer, in ms; false: never. */
  readonly heartbeat: false | { readonly intervalMs: number; readonly timeoutMs: number }
}

/** A synced copy of the session. */
export interface Replica {
  readonly doc: Y.Doc
  readonly socket: StoppableProviderWebsocket
  readonly provider: HocuspocusProvider
  readonly durability: DurabilityTracker
  readonly awareness: Awareness | undefined
  /** Renews this device's presence now and restarts its heartbeat with the current period. */
  renewPresenceNow(): void
  /** Closes its connection for good and frees the provider; the document stays readable. Idempotent. */
  destroy(): void
}

/** Opens a replica of `options.doc`; it starts connecting at once. */
export function openReplica(options: ReplicaOptions): Replica {
  const { doc } = options
  const socket = new StoppableProviderWebsocket({
    url: options.url,
    ...(options.WebSocketPolyfill === undefined ? {} : { WebSocketPolyfill: options.WebSocketPolyfill }),
    delay: options.reconnectDelayMs,
    minDelay: options.reconnectDelayMs,
    maxDelay: 5_000,
  })
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: options.sessionId,
    document: doc,
    token: options.token,
  })
  socket.limitUpdates(options.maxUpdateBytes)
  provider.attach()
  const durability = createDurabilityTracker({
    doc,
    documentName: () => provider.effectiveName,
    send: (frame) => {
      socket.send(frame)
    },
  })
  // Probes with a sync step 1: the server answers every one on the connection (PROTOCOL.md §3.2).
  const liveness =
    options.heartbeat === false
      ? undefined
      : createHeartbeat({
          ...options.heartbeat,
          probe: () => {
            durability.probe()
          },
          onTimeout: () => {
            socket.dropConnection()
          },
        })
  if (liveness !== undefined) {
    // Watched from the first sync on: before it, authentication may take as long as the token provider needs.
    provider.on('synced', ({ state }: { state: boolean }) => {
      if (state && socket.status === WebSocketStatus.Connected) liveness.connected()
    })
    socket.on('message', () => {
      liveness.received()
    })
    socket.on('status', ({ status }: { status: WebSocketStatus }) => {
      if (status !== WebSocketStatus.Connected) liveness.disconnected()
    })
  }
  const awareness = provider.awareness ?? undefined
  if (awareness !== undefined) announcePresence(awareness, options.member)
  const presenceRenewal =
    awareness === undefined
      ? undefined
      : renewPresence(awareness, options.presenceHeartbeatMs, () => socket.status === WebSocketStatus.Connected)
  let destroyed = false
  return {
    doc,
    socket,
    provider,
    durability,
    awareness,
    renewPresenceNow() {
      presenceRenewal?.renewNow()
    },
    destroy() {
      if (destroyed) return
      destroyed = true
      presenceRenewal?.stop()
      liveness?.stop()
      provider.destroy()
      socket.stop()
      socket.destroy()
    },
  }
}
