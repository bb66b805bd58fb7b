/**
 * createSessionClient: the isomorphic sync engine shared by the browser and agent SDKs. It holds the session
 * Y.Doc, keeps it in sync with the server through a Hocuspocus provider (state-vector sync: after a drop it
 * receives exactly what it lacks), and exposes status, unacknowledged changes and messages. User text is checked
 * against the session's write limits (PROTOCOL.md §10) before it is written, so an over-limit message throws instead
 * of failing the connection.
 *
 *   const client = createSessionClient({ url: 'ws://127.0.0.1:8787/v1/ws', sessionId, principalId: 'alice' })
 *   client.on('change', () => render(client.messages()))
 *   client.sendMessage('Hello')
 *   await client.waitUntilDurable()
 */
import { ObservableV2 } from 'lib0/observable'
import * as Y from 'yjs'
import { decodeTokenClaims } from '../../shared/auth/token-claims.ts'
import { isErrorCode } from '../../shared/errors/error-codes.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { WriteLimits } from '../../shared/limits/session-limits.ts'
import { decodeCloseNotice, type CloseNotice } from '../../shared/protocol/close-notice.ts'
import { checkPresenceMs, DEFAULT_PRESENCE_HEARTBEAT_MS } from '../../shared/presence/presence-timing.ts'
import {
  decodeAnnouncedPolicyHoldBack,
  decodeAnnouncedPresenceTimeout,
  decodeSessionLimitsAnnouncement,
} from '../../shared/protocol/session-limits-announcement.ts'
import { decodeUpdateRejectedNotice, type UpdateRejectedNotice } from '../../shared/protocol/update-rejected-notice.ts'
import type { PolicySpan } from '../../shared/policy/message-policy.ts'
import { appendMessage, appendSteer, type NewMessage, type NewSteer } from '../../shared/session/session-doc.ts'
import { createRandomId, parseSessionId } from '../../shared/session/session-id.ts'
import type { MessageView, PersonView, SteerKind } from '../../shared/session/session-schema.ts'
import { DISPLAY_NAME_RULE, normalizeDisplayName } from '../../shared/session/display-name.ts'
import { readPeople, readPerson, setPersonName } from '../../shared/session/session-people.ts'
import { checkUpdateSize } from './check-update-size.ts'
import { createDeliveryTracker, type PendingEntry, type ServerStateStore } from './delivery-tracker.ts'
import { DEFAULT_HEARTBEAT } from './heartbeat.ts'
import { checkUserText } from './check-user-text.ts'
import { transitionStatus, type ConnectionStatus } from './connection-status.ts'
import { createLimitsTracker } from './limits-tracker.ts'
import { createMessageViews } from './message-views.ts'
import { openReplica, type Replica } from './open-replica.ts'
import { createRefusedWrites, type RefusedWrite, type RefusedWriteStore } from './refused-writes.ts'
import {
  groupPresenceByPerson,
  readPresence,
  type PersonPresence,
  type PresenceMember,
  type PresenceRole,
} from './presence.ts'
import {
  createTransportChooser,
  type TransportChooserOptions,
  type TransportKind,
} from './transports/choose-transport.ts'
import { waitForCondition } from './wait-for-condition.ts'

export type { PersonPresence, PresenceMember, PresenceRole } from './presence.ts'
export type { RefusedWrite, RefusedWriteStore } from './refused-writes.ts'
export type { PendingEntry, ServerStateStore } from './delivery-tracker.ts'

/** Returns a fresh token for the same principal, role and session (e.g. from your auth backend). */
export type TokenProvider = () => string | Promise<string>

/** Fraction of a token's remaining lifetime after which a token provider is asked for the next one. */
const TOKEN_REFRESH_AT = 0.75

/** A WebSocket class: the platform's global one, or `ws` in Node 20. */
export type WebSocketConstructor = new (url: string) => unknown

/** Options of {@link createSessionClient}. */
export interface SessionClientOptions {
  /** WebSocket URL of the server, e.g. `ws://127.0.0.1:8787/v1/ws`. */
  readonly url: string
  readonly sessionId: string
  /** Who writes through this client; stored as `author` of its messages. */
  readonly principalId: string
  /** Label of this device, stored on its messages. */
  readonly device?: string
  /** Role announced in presence (default `user`; the agent SDK announces `agent`). */
  readonly role?: PresenceRole
  /**
   * Bearer token sent to the server, or a function returning a fresh one. A function is called on every connect and,
   * while connected, again when three quarters of the current token's lifetime have passed; the new token is sent on
   * the open connection (PROTOCOL.md §8.7), so a session outlives its tokens without reconnecting.
   */
  readonly token?: string | TokenProvider
  /** WebSocket implementation; defaults to the global `WebSocket`. */
  readonly WebSocket?: WebSocketConstructor
  /**
   * Document to sync (e.g. one already filled from an offline store); a new one by default. After the server refused
   * one of its updates the client syncs a fresh document instead (the `replica` event).
   */
  readonly doc?: Y.Doc
  /**
   * Keeps the refused writes (`refused()`) across reloads: they are loaded from it at start and saved on every
   * change, until retried or discarded. In memory only by default; the browser client keeps them in IndexedDB.
   */
  readonly refusedWriteStore?: RefusedWriteStore
  /** Wait before the first reconnect attempt, in ms (default 250; doubles up to 5 s). */
  readonly reconnectDelayMs?: number
  /**
   * Transport selection: WebSocket first, then the HTTP fallback (SSE, long-poll) when a proxy blocks, buffers or
   * cuts it (PROTOCOL.md §7). `false` uses the WebSocket only.
   */
  readonly transport?: false | Omit<TransportChooserOptions, 'WebSocket'>
  /**
   * Write limits to check before the server announces its own (PROTOCOL.md §10.3); default DEFAULT_SESSION_LIMITS'
   * `maxUpdateBytes` (1 MiB) and `maxUserTextChars` (100 000). Once the server announces, its limits apply and these
   * can only lower them. @throws TypeError (from createSessionClient) when a value is not a positive integer
   */
  readonly limits?: Partial<WriteLimits>
  /**
   * How often this device renews its presence while connected, in ms (default DEFAULT_PRESENCE_HEARTBEAT_MS, 5000).
   * The server drops a device that renews nothing for its `presenceTimeoutMs` (default 15000, PROTOCOL.md §8.5) and
   * announces that timeout (§10.3): the client then renews at least every third of it, whatever this says.
   * @throws TypeError (from createSessionClient) when not a positive integer
   */
  readonly presenceHeartbeatMs?: number
  /**
   * Where the last known server state vector of the session is kept between runs, so `pendingEntries()` knows after a
   * reload with no network which local entries the server has not confirmed (the browser SDK keeps it in
   * localStorage). Default: in memory only.
   */
  readonly serverState?: ServerStateStore
  /**
   * How a silent connection is noticed: after `intervalMs` with nothing from the server the client asks it for an
   * answer, and drops the connection (status `offline`, then reconnecting) when none comes within `timeoutMs`.
   * Default DEFAULT_HEARTBEAT (1000 and 1500 ms: a dead network shows within 3 s); `false` waits for the socket's
   * own close. @throws TypeError (from createSessionClient) when a time is not positive
   */
  readonly heartbeat?: false | { readonly intervalMs?: number; readonly timeoutMs?: number }
}

/** Events of a session client. */
export interface SessionClientEvents {
  status: (status: ConnectionStatus) => void
  /** The connection moved to another transport. */
  transport: (transport: TransportKind) => void
  /** Number of update frames awaiting the server's acknowledgement (approximate: reset on reconnect). */
  unsynced: (count: number) => void
  /** The server confirmed that every local change made so far is durable. */
  durable: () => void
  /** The document changed (once per transaction); read what you need with `messages()`. */
  change: () => void
  /** The local entries the server has not confirmed changed (see `pendingEntries()`). */
  pending: (entries: PendingEntry[]) => void
  /** Who is in the session changed. */
  presence: (members: PresenceMember[]) => void
  /**
   * The server closed the connection with an error code, or refused an update (PROTOCOL.md §8.3: code
   * UPDATE_REJECTED, UPDATE_TOO_LARGE or TEXT_TOO_LONG, the rule in `details.reason`; the connection stays open).
   */
  error: (error: SessionError) => void
  /**
   * The client dropped a refused update: `doc` is a fresh replica of the server's state, which `client.doc` returns
   * from now on. Local changes the server had not stored when the refusal arrived are dropped with it (they were
   * written after it); `sendMessage` and `steer` calls made while the replica was being rebuilt are kept.
   */
  replica: (doc: Y.Doc) => void
  /** The list of refused writes (`refused()`) changed: a refusal added entries, or one was retried or discarded. */
  refused: (writes: RefusedWrite[]) => void
}

/** A live connection to one session. */
export interface SessionClient {
  readonly sessionId: string
  readonly principalId: string
  /** The session document; a new one after a refused update was dropped (the `replica` event). */
  readonly doc: Y.Doc
  readonly status: ConnectionStatus
  /** Transport of the current connection, once a server frame proved it. */
  readonly transport: TransportKind | undefined
  /** Update frames awaiting acknowledgement; use it for flow control, and `waitUntilDurable` for durability. */
  readonly unsyncedChanges: number
  /** Write limits checked before every write: the server's once it announced them, else `limits` over the defaults. */
  readonly limits: WriteLimits
  /**
   * Trailing characters a streaming writer holds back until more text follows or the reply ends, as announced by a
   * server with a message policy (PROTOCOL.md §8.8); 0 until such a server announced it.
   */
  readonly policyHoldBackChars: number
  on<E extends keyof SessionClientEvents>(event: E, handler: SessionClientEvents[E]): void
  off<E extends keyof SessionClientEvents>(event: E, handler: SessionClientEvents[E]): void
  /**
   * Plain-JSON view of every message, in session order (PROTOCOL.md §11): each reply after its question, the same
   * order on every device once they hold the same changes. Render this list as a whole, not messages as they arrive.
   * Each call returns a new array; a message no change touched since the last call is the same frozen object in it,
   * so a screen can skip drawing it again (client/core/message-views.ts). Read inside a transaction, before its
   * observers run, the views are read afresh.
   */
  messages(): MessageView[]
  /**
   * Messages and steering entries of the local document the server has not confirmed yet — written offline, or not
   * acknowledged before a reload — in document order. Each is delivered once when the connection is back; the
   * `pending` event says when this list changed. Known from the server's state vector, saved through the
   * `serverState` option, so it holds after a reload with no network.
   */
  pendingEntries(): PendingEntry[]
  /** Devices currently in the session (this one included). */
  presence(): PresenceMember[]
  /**
   * People connected now, each with their devices, display name, initials and role (agents marked `isAgent`): this
   * client's principal first, then people before agents, by name. Changes come as `presence` (devices) and `change`
   * (names) events.
   */
  presenceByPerson(): PersonPresence[]
  /** Everyone who has set a display name in the session, connected or not (the `people` root, PROTOCOL.md §1.3). */
  people(): PersonView[]
  /** The display name entry of `principalId`, or undefined when it has none. */
  person(principalId: string): PersonView | undefined
  /**
   * Sets this principal's display name, seen by everyone in the session; returns the name as stored (white space
   * collapsed, trimmed). A token's `name` claim seeds it when the principal has none; this replaces it.
   * @throws SessionError BAD_REQUEST when the name is empty, over MAX_DISPLAY_NAME_CHARS (64) or has control
   * characters; FORBIDDEN for an observer, which writes nothing
   */
  setDisplayName(name: string): string
  /**
   * Appends a finished user message and returns its id. Nothing is written when it throws.
   * @throws SessionError TEXT_TOO_LONG over `limits.maxUserTextChars`; UPDATE_TOO_LARGE over `limits.maxUpdateBytes`
   */
  sendMessage(text: string): string
  /**
   * Posts a steering entry (e.g. `{ kind: 'stop', target: replyId }`) for the agents; returns its id. Nothing is
   * written when it throws.
   * @throws SessionError TEXT_TOO_LONG, UPDATE_TOO_LARGE as `sendMessage`
   */
  steer(steer: { kind: SteerKind; target?: string; text?: string }): string
  /**
   * This principal's messages and steers the server refused (PROTOCOL.md §8.3), each with the refusal as `error`
   * (code, `details.reason`), oldest first — those written after a refused one on the same connection included, as
   * they were dropped with it. Each stays listed until `retry` or `discard`; changes come as `refused` events.
   */
  refused(): RefusedWrite[]
  /**
   * Writes refused entry `id` again (same id and content) and takes it off the list; returns the id.
   * @throws SessionError BAD_REQUEST when `id` is not listed; TEXT_TOO_LONG, UPDATE_TOO_LARGE over `limits` (it stays listed)
   */
  retry(id: string): string
  /** Takes refused entry `id` off the list for good; false when it was not listed. */
  discard(id: string): boolean
  /**
   * Resolves once the client holds the server's state.
   * @throws SessionError TIMEOUT; the error that failed the client; CONNECTION_CLOSED once it is destroyed
   */
  waitForSynced(timeoutMs?: number): Promise<void>
  /**
   * Resolves once the server confirms that every change in the local document is in its log (PROTOCOL.md §3).
   * @throws SessionError TIMEOUT; the error that failed the client; CONNECTION_CLOSED once it is destroyed
   */
  waitUntilDurable(timeoutMs?: number): Promise<void>
  /** Drops the connection but keeps the document; `connect()` resumes by state vector. */
  disconnect(): void
  /** Connects (again); while reconnecting with backoff, tries at once. */
  connect(): void
  /**
   * Gives up on the current connection at once, without waiting for a close handshake, and reconnects with backoff:
   * e.g. when the platform reports that the network went away (the browser SDK does it on `offline`).
   */
  reconnect(): void
  /** Closes the connection for good and frees the provider (the doc stays readable). */
  destroy(): void
}

/** Default time the wait helpers allow, in ms. */
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000

/** Opens a session client; it starts connecting at once. */
export function createSessionClient(options: SessionClientOptions): SessionClient {
  const sessionId = parseSessionId(options.sessionId)
  const limits = createLimitsTracker(options.limits)
  const configuredHeartbeatMs = checkPresenceMs(
    'presenceHeartbeatMs',
    options.presenceHeartbeatMs ?? DEFAULT_PRESENCE_HEARTBEAT_MS,
  )
  /** The server's announced presence timeout (PROTOCOL.md §10.3), once known: renewals come at least every third. */
  let announcedPresenceTimeoutMs: number | undefined
  let policyHoldBackChars = 0
  const presenceHeartbeatMs = (): number =>
    announcedPresenceTimeoutMs === undefined
      ? configuredHeartbeatMs
      : Math.max(1, Math.min(configuredHeartbeatMs, Math.floor(announcedPresenceTimeoutMs / 3)))
  const events = new ObservableV2<SessionClientEvents>()
  let status: ConnectionStatus = 'connecting'
  /** The non-retryable error that moved the client to `failed`. */
  let failedWith: SessionError | undefined
  let unsynced = 0

  const role = options.role ?? 'user'
  const heartbeat =
    options.heartbeat === false
      ? (false as const)
      : {
          intervalMs: options.heartbeat?.intervalMs ?? DEFAULT_HEARTBEAT.intervalMs,
          timeoutMs: options.heartbeat?.timeoutMs ?? DEFAULT_HEARTBEAT.timeoutMs,
        }
  if (heartbeat !== false && !(heartbeat.intervalMs > 0 && heartbeat.timeoutMs > 0)) {
    throw new TypeError('heartbeat intervalMs and timeoutMs must be positive numbers')
  }
  const delivery = createDeliveryTracker({
    store: options.serverState,
    isServerOrigin: (origin) => origin === current.provider,
  })
  const setStatus = (next: ConnectionStatus): void => {
    if (next === status) return
    status = transitionStatus(status, next)
    if (status === 'synced') seedDisplayName()
    events.emit('status', [status])
    if (status === 'synced') confirmPending()
  }
  /** Stores the token's name claim as this principal's display name when it has none (docs/sdks.md § People and display names). */
  const seedDisplayName = (): void => {
    const name = claimed?.name
    if (name === undefined || isObserver() || readPerson(current.doc, options.principalId) !== undefined) return
    write((doc) => {
      setPersonName(doc, options.principalId, name, Date.now())
    })
  }

  const chooser =
    options.transport === false
      ? undefined
      : createTransportChooser({
          ...options.transport,
          ...(options.WebSocket === undefined ? {} : { WebSocket: options.WebSocket }),
        })
  chooser?.onChange((transport) => {
    events.emit('transport', [transport])
  })
  let refreshTimer: ReturnType<typeof setTimeout> | undefined
  /** The latest token's claims, read unverified: its `name` seeds the principal's `people` entry. */
  let claimed = typeof options.token === 'string' ? decodeTokenClaims(options.token) : undefined
  /** Observers write nothing: announced as one, or holding an observer token. */
  const isObserver = (): boolean => role === 'observer' || claimed?.role === 'observer'
  const scheduleRefresh = (token: string): void => {
    clearTimeout(refreshTimer)
    const claims = decodeTokenClaims(token)
    claimed = claims ?? claimed
    if (claims === undefined) return
    refreshTimer = setTimeout(
      () => {
        if (status !== 'closed' && status !== 'failed') void active().provider.sendToken()
      },
      refreshDelayMs(claims.exp * 1000 - Date.now()),
    )
  }
  const tokenProvider = options.token
  const token =
    typeof tokenProvider === 'function'
      ? async (): Promise<string> => {
          const fresh = await tokenProvider()
          scheduleRefresh(fresh)
          return fresh
        }
      : (tokenProvider ?? '')
  const open = (doc: Y.Doc): Replica =>
    openReplica({
      url: options.url,
      sessionId,
      doc,
      token,
      WebSocketPolyfill: chooser?.WebSocketClass ?? options.WebSocket,
      reconnectDelayMs: options.reconnectDelayMs ?? 250,
      presenceHeartbeatMs,
      maxUpdateBytes: () => limits.current.maxUpdateBytes,
      heartbeat,
      member: {
        principalId: options.principalId,
        role,
        ...(options.device === undefined ? {} : { device: options.device }),
      },
    })

  const refusedWrites = createRefusedWrites(options.principalId)
  const refusedChanged = (): void => {
    const list = refusedWrites.list()
    options.refusedWriteStore?.save(list)
    events.emit('refused', [list])
  }
  /** The replica whose document the client shows and writes. */
  let current: Replica
  /** While a refused update is being dropped: the fresh replica syncing, and the writes to repeat on it. */
  let rebuilding: { readonly replica: Replica; readonly writes: Array<(doc: Y.Doc) => void> } | undefined
  /** The replica whose connection the client reports: the one being rebuilt, else the current one. */
  const active = (): Replica => rebuilding?.replica ?? current
  const presence = (): PresenceMember[] => {
    const { awareness } = active()
    return awareness === undefined ? [] : readPresence(awareness)
  }
  const serverStateListeners = new Set<() => void>()
  /** The pending entries last reported, as one key, to report only changes. */
  let pendingKey = ''
  const checkPending = (): void => {
    const pending = delivery.pending(current.doc)
    const key = pending.map((entry) => `${entry.kind}:${entry.id}`).join('\n')
    if (key === pendingKey) return
    pendingKey = key
    events.emit('pending', [pending])
  }
  /** Asks the server for its state vector when local entries wait for confirmation (PROTOCOL.md §3.2). */
  const confirmPending = (): void => {
    if (status === 'synced' && pendingKey !== '') current.durability.probe()
  }
  const emitChange = (): void => {
    checkPending()
    events.emit('change', [])
  }
  /** The details of the close the server announced last (PROTOCOL.md §10.6), for the error of the close that follows. */
  let closeNotice: CloseNotice | undefined

  /** Reports a refused update and drops it by syncing a fresh replica; the refused one sends nothing more. */
  const dropRefused = (notice: UpdateRejectedNotice): void => {
    const redaction =
      notice.code === 'POLICY_REJECTED' && notice.reason === 'redact'
        ? {
            messageId: notice.messageId,
            spans: notice.spans,
            ...(notice.partType === undefined ? {} : { partType: notice.partType }),
          }
        : {}
    const error = new SessionError(notice.code, notice.message, { details: { reason: notice.reason, ...redaction } })
    events.emit('error', [error])
    if (rebuilding !== undefined || status === 'closed' || status === 'failed') return
    refusedWrites.capture(current.doc, error)
    current.destroy()
    rebuilding = { replica: open(new Y.Doc()), writes: [] }
    setStatus('syncing')
    listen(rebuilding.replica)
  }

  /**
   * Writes each refused message the message policy redacted again, with the spans replaced (PROTOCOL.md §8.8); it
   * stays listed when the redacted text no longer fits the limits.
   */
  const rewriteRedacted = (): void => {
    for (const refused of refusedWrites.list()) {
      const { reason, messageId, spans } = refused.error.details
      if (refused.error.code !== 'POLICY_REJECTED' || reason !== 'redact' || messageId !== refused.id) continue
      if (!Array.isArray(spans) || !refusedWrites.redact(refused.id, spans as PolicySpan[])) continue
      try {
        refusedWrites.retry(refused.id, write, limits.current)
      } catch {
        // reason: over a limit after redaction; it stays listed for the person to discard
      }
    }
  }

  /** The fresh replica holds the server's state: it becomes the client's document. */
  const adoptRebuilt = (): void => {
    if (rebuilding === undefined) return
    const { replica, writes } = rebuilding
    rebuilding = undefined
    current.doc.off('afterTransaction', emitChange)
    messageViews.destroy()
    current = replica
    messageViews = createMessageViews(replica.doc)
    for (const write of writes) write(replica.doc)
    replica.doc.on('afterTransaction', emitChange)
    events.emit('replica', [replica.doc])
    if (refusedWrites.settle(replica.doc)) {
      rewriteRedacted()
      refusedChanged()
    }
    emitChange()
    setStatus('synced')
  }

  const listen = (replica: Replica): void => {
    const { provider, durability } = replica
    provider.on('awarenessChange', () => {
      if (replica === active()) events.emit('presence', [presence()])
    })
    replica.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === provider) delivery.learnServerUpdate(Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)))
    })
    provider.on('message', ({ event }: { event: MessageEvent<ArrayBuffer> }) => {
      if (!durability.handleIncoming(new Uint8Array(event.data)) || replica !== current) return
      const serverState = durability.serverStateVector()
      if (serverState !== undefined) delivery.learnServerState(serverState)
      checkPending()
      if (durability.isDurable()) events.emit('durable', [])
      for (const listener of serverStateListeners) listener()
    })
    provider.on('status', ({ status: socketStatus }: { status: string }) => {
      if (replica !== active() || status === 'closed' || status === 'failed') return
      // Every status starts over: a restarted server may hold less, and a new socket's sync must report `synced` again.
      durability.reset()
      if (socketStatus === 'connected') {
        provider.synced = false
        setStatus('syncing')
      } else if (socketStatus !== 'connecting') setStatus('offline')
      // A rebuild reports `syncing` from its start: the fresh replica's first connect is part of it.
      else if (rebuilding === undefined || status !== 'syncing') setStatus('connecting')
    })
    provider.on('stateless', ({ payload }: { payload: string }) => {
      const announced = decodeSessionLimitsAnnouncement(payload)
      if (announced !== undefined) {
        limits.announce(announced)
        policyHoldBackChars = decodeAnnouncedPolicyHoldBack(payload) ?? 0
      }
      const presenceTimeoutMs = decodeAnnouncedPresenceTimeout(payload)
      if (presenceTimeoutMs !== undefined && presenceTimeoutMs !== announcedPresenceTimeoutMs) {
        announcedPresenceTimeoutMs = presenceTimeoutMs
        replica.renewPresenceNow()
      }
      const refused = decodeUpdateRejectedNotice(payload)
      if (refused !== undefined && replica === current) dropRefused(refused)
      if (replica === active()) closeNotice = decodeCloseNotice(payload) ?? closeNotice
    })
    provider.on('synced', ({ state }: { state: boolean }) => {
      if (!state) return
      if (replica === rebuilding?.replica) adoptRebuilt()
      else if (replica === current && (status === 'syncing' || status === 'synced')) setStatus('synced')
    })
    provider.on('unsyncedChanges', ({ number }: { number: number }) => {
      if (replica !== active()) return
      unsynced = number
      events.emit('unsynced', [number])
      if (number === 0) confirmPending()
    })
    provider.on('close', ({ event }: { event: { code?: number; reason?: string } }) => {
      if (replica !== active() || !isErrorCode(event.reason) || status === 'failed' || status === 'closed') return
      // The fallback connection the server no longer knows (it restarted): a dropped connection, not a failure.
      if (event.reason === 'FALLBACK_CONNECTION_NOT_FOUND') return
      const noticed = closeNotice?.code === event.reason ? closeNotice.details : {}
      closeNotice = undefined
      const error = new SessionError(event.reason, `server closed the connection: ${event.reason}`, {
        details: { ...noticed, closeCode: event.code },
      })
      // CONTRIBUTING.md § Errors: retryable codes reconnect with backoff; others stop here.
      if (!error.retryable) {
        replica.socket.stop()
        failedWith = error
        setStatus('failed')
      }
      events.emit('error', [error])
    })
  }

  // reason: a store that cannot be read only loses what an earlier page kept; this page's refusals are listed all the same
  options.refusedWriteStore?.load().then(
    (kept) => {
      if (status !== 'closed' && refusedWrites.restore(kept)) refusedChanged()
    },
    () => undefined,
  )
  current = open(options.doc ?? new Y.Doc())
  let messageViews = createMessageViews(current.doc)
  listen(current)
  current.doc.on('afterTransaction', emitChange)
  checkPending()

  const onChange = (listener: () => void): (() => void) => {
    events.on('status', listener)
    events.on('unsynced', listener)
    serverStateListeners.add(listener)
    return () => {
      events.off('status', listener)
      events.off('unsynced', listener)
      serverStateListeners.delete(listener)
    }
  }
  /** Ends a wait that can no longer succeed: the client failed (the error that failed it) or was destroyed. */
  const givenUp = (what: string) => (): SessionError | undefined => {
    if (status === 'failed') return failedWith
    if (status !== 'closed') return undefined
    return new SessionError('CONNECTION_CLOSED', `session ${sessionId} was destroyed while waiting for ${what}`, {
      details: { what },
    })
  }
  // Not yet covered: ask again. The answer covers every frame sent before the probe (PROTOCOL.md §3.2).
  const isDurable = (): boolean => {
    if (status !== 'synced') return false
    if (current.durability.isDurable()) return true
    current.durability.probe()
    return false
  }
  /** Writes `change` to the document; while a rebuild runs, also to the fresh replica once it takes over. */
  const write = (change: (doc: Y.Doc) => void): void => {
    change(current.doc)
    rebuilding?.writes.push(change)
  }

  return {
    sessionId,
    principalId: options.principalId,
    get doc() {
      return current.doc
    },
    get status() {
      return status
    },
    get unsyncedChanges() {
      return unsynced
    },
    get limits() {
      return limits.current
    },
    get policyHoldBackChars() {
      return policyHoldBackChars
    },
    get transport() {
      return chooser === undefined ? 'websocket' : chooser.transport
    },
    on: (event, handler) => {
      events.on(event, handler)
    },
    off: (event, handler) => {
      events.off(event, handler)
    },
    messages: () => messageViews.read(),
    pendingEntries: () => delivery.pending(current.doc),
    presence,
    presenceByPerson: () => groupPresenceByPerson(presence(), readPeople(current.doc), options.principalId),
    people: () => readPeople(current.doc),
    person: (principalId) => readPerson(current.doc, principalId),
    setDisplayName(name) {
      if (isObserver()) throw new SessionError('FORBIDDEN', 'an observer cannot set a display name')
      const stored = normalizeDisplayName(name)
      if (stored === undefined) {
        throw new SessionError('BAD_REQUEST', `a display name ${DISPLAY_NAME_RULE}`, {
          details: { length: name.length },
        })
      }
      write((doc) => {
        setPersonName(doc, options.principalId, stored, Date.now())
      })
      return stored
    },
    sendMessage(text) {
      checkUserText(text, limits.current)
      const message: NewMessage = {
        id: `m_${createRandomId()}`,
        role: 'user',
        author: options.principalId,
        status: 'done',
        text,
        createdAt: Date.now(),
        ...(options.device === undefined ? {} : { device: options.device }),
      }
      checkUpdateSize(
        (scratch) => {
          appendMessage(scratch, message)
        },
        limits.current.maxUpdateBytes,
        'message',
      )
      write((doc) => {
        appendMessage(doc, message)
      })
      return message.id
    },
    steer({ kind, target, text }) {
      if (text !== undefined) checkUserText(text, limits.current)
      const steer: NewSteer = {
        id: `st_${createRandomId()}`,
        kind,
        author: options.principalId,
        createdAt: Date.now(),
        ...(options.device === undefined ? {} : { device: options.device }),
        ...(target === undefined ? {} : { target }),
        ...(text === undefined ? {} : { text }),
      }
      checkUpdateSize(
        (scratch) => {
          appendSteer(scratch, steer)
        },
        limits.current.maxUpdateBytes,
        'steer',
      )
      write((doc) => {
        appendSteer(doc, steer)
      })
      return steer.id
    },
    refused: () => refusedWrites.list(),
    retry(id) {
      refusedWrites.retry(id, write, limits.current)
      refusedChanged()
      return id
    },
    discard(id) {
      const discarded = refusedWrites.discard(id)
      if (discarded) refusedChanged()
      return discarded
    },
    waitForSynced: (timeoutMs = DEFAULT_WAIT_TIMEOUT_MS) =>
      waitForCondition(onChange, () => status === 'synced', timeoutMs, `session ${sessionId} to sync`, givenUp('sync')),
    waitUntilDurable: (timeoutMs = DEFAULT_WAIT_TIMEOUT_MS) =>
      waitForCondition(
        onChange,
        isDurable,
        timeoutMs,
        `session ${sessionId} to confirm local changes are durable`,
        givenUp('durability'),
      ),
    disconnect() {
      active().socket.disconnect()
    },
    connect() {
      if (status === 'failed') return
      void active().socket.connect()
    },
    reconnect() {
      if (status === 'failed' || status === 'closed') return
      active().socket.dropConnection()
    },
    destroy() {
      setStatus('closed')
      clearTimeout(refreshTimer)
      current.doc.off('afterTransaction', emitChange)
      messageViews.destroy()
      current.destroy()
      rebuilding?.replica.destroy()
      events.destroy()
    },
  }
}

/** Shortest wait between token refreshes: a provider whose tokens look expired (clock skew) is not called in a loop. */
const MIN_REFRESH_DELAY_MS = 1_000
/** Longest timer Node and browsers keep (2^31 − 1 ms); a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647

/** When to refresh a token that expires in `remainingMs`: at TOKEN_REFRESH_AT of it, within the timer's range. */
function refreshDelayMs(remainingMs: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(MIN_REFRESH_DELAY_MS, remainingMs * TOKEN_REFRESH_AT))
}
