/**
 * createSessionStreams: wires the Durable Streams routes into the session server (PROTOCOL.md §9) — the stream
 * store (SQLite beside the update log by default), the protocol service, the session event recorder extension,
 * the HTTP routes and the presence of HTTP devices (§9.9, published in awareness too), with auth when the server has
 * it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Extension, Hocuspocus } from '@hocuspocus/server'
import type { Tracer } from '@opentelemetry/api'
import { isSessionError, SessionError } from '../../shared/errors/session-error.ts'
import { matchSessionPresencePath } from '../../shared/protocol/routes.ts'
import { SESSION_STREAM_NAMESPACE } from '../../shared/protocol/session-stream-path.ts'
import type { AuthSecret } from '../auth/auth-secret.ts'
import type { UpdateLog } from '../persistence/update-log.ts'
import { authorizeStreamRequest } from './authorize-stream-request.ts'
import { handleSessionPresence } from './handle-session-presence.ts'
import { handleSessionStream } from './handle-session-stream.ts'
import { createHttpPresence } from './http-presence.ts'
import { createHttpPresenceAwareness } from './http-presence-awareness.ts'
import { createKeyedLock } from '../durable-streams/keyed-lock.ts'
import { createMemoryStreamStore } from '../durable-streams/memory-stream-store.ts'
import { createSessionDocuments } from './session-documents.ts'
import { createSessionEventRecorder } from './session-event-recorder.ts'
import { createSqliteStreamStore } from '../durable-streams/sqlite-stream-store.ts'
import {
  createStreamSubscriptions,
  type StreamSubscriptionOptions,
} from '../durable-streams/create-stream-subscriptions.ts'
import { createStreamRoutes } from '../durable-streams/stream-routes.ts'
import { createStreamService } from '../durable-streams/stream-service.ts'
import type { StreamStore } from '../durable-streams/stream-store.ts'
import type { EntryCharger } from '../limits/charge-new-entries.ts'
import { sendError } from '../http/send-json.ts'
import type { SessionStreamContext, StreamPrincipal } from './handle-session-stream.ts'
import type { PolicyGate } from '../policy/create-policy-gate.ts'
import type { SessionEvent } from '../../shared/protocol/session-events.ts'

/** Options of the stream routes, given as `streams` to createSessionServer. */
export interface SessionStreamsOptions {
  /** Storage of streams. Default: SQLite in the server's `dataPath` file; in memory when an `updateLog` is given. */
  readonly store?: StreamStore
  /** How long a long-poll read (and an idle SSE stream between control events) waits, in ms (default 20000). */
  readonly longPollTimeoutMs?: number
  /** An SSE response ends after this long so that clients reconnect from their offset, in ms (default 60000). */
  readonly sseReconnectMs?: number
  /** Largest append body in bytes (default 8 MiB); larger ones answer 413. */
  readonly maxBodyBytes?: number
  /** Most bytes one read answers (default 1 MiB; at least one message is always returned). */
  readonly maxReadBytes?: number
  /** How long a session loaded for HTTP appends stays loaded after the last one, in ms (default 10000). */
  readonly documentIdleMs?: number
  /** Durable Streams subscriptions and their webhooks (PROTOCOL.md §9.10, §9.11). */
  readonly subscriptions?: StreamSubscriptionOptions
}

/** What createSessionServer passes besides the user's options. */
export interface SessionStreamsWiring extends SessionStreamsOptions {
  readonly hocuspocus: () => Hocuspocus
  readonly log: UpdateLog
  readonly applyServerChange: SessionStreamContext['applyServerChange']
  /** Traces HTTP appends (PROTOCOL.md §12). */
  readonly tracer: Tracer
  readonly onError: (error: unknown) => void
  /** SQLite file for the default store. */
  readonly defaultStorePath?: string
  readonly auth?: { readonly secret: AuthSecret; readonly now?: () => number }
  /** Charges the messages and steers an append adds to its principal; throws RATE_LIMITED to refuse (PROTOCOL.md §10.5). */
  readonly chargeEntries?: EntryCharger
  /** Longest user message or steer text in an append, in UTF-16 code units (PROTOCOL.md §10.1). */
  readonly maxUserTextChars: number
  /** How long an HTTP device's presence lasts without a renewal, in ms: the server's presence timeout. */
  readonly presenceTimeoutMs: number
  /** The message policy applied to appended texts before they are written (PROTOCOL.md §8.8); default none. */
  readonly screenText?: PolicyGate
  /** The policy hold-back announced on every append (`Lifeline-Policy-Hold-Back`); default none. */
  readonly policyHoldBackChars?: number
}

/** The wired stream routes. */
export interface SessionStreams {
  readonly store: StreamStore
  /** Records session events; add to the Hocuspocus extensions. */
  readonly extension: Extension
  /** Publishes HTTP devices in the awareness of loaded sessions; add to the Hocuspocus extensions. */
  readonly presenceExtension: Extension
  /** True when `clientId` is the awareness clientID of an HTTP device of `sessionId` (the server's, never a client's). */
  ownsClientId(sessionId: string, clientId: number): boolean
  /** Handles `/v1/stream/…` and `/v1/sessions/:id/presence` requests; resolves false for other paths. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean>
  /**
   * Calls `listener` with the store path of every committed stream change, this node's and, on a shared store, the
   * others' (session webhooks follow the session streams with it). Returns an unsubscribe.
   */
  watch(listener: (path: string) => void): () => void
  /** Appends an event the document does not hold (a message policy's decision) to the session's event stream. */
  recordEvent(sessionId: string, event: SessionEvent): Promise<void>
  /** Erases the event stream of a deleted session (right to erasure) and stops recording it. */
  eraseSession(sessionId: string): Promise<void>
  /** Loads the subscriptions' signing key and resumes stored subscriptions (before the server listens). */
  start(): Promise<void>
  /** Finishes recording and releases held documents (before the server closes storage). */
  stop(): Promise<void>
}

/** Wires the stream routes. */
export function createSessionStreams(wiring: SessionStreamsWiring): SessionStreams {
  const store =
    wiring.store ??
    (wiring.defaultStorePath === undefined
      ? createMemoryStreamStore()
      : createSqliteStreamStore({ path: wiring.defaultStorePath }))
  const now = Date.now
  const service = createStreamService({
    store,
    now,
    ...(wiring.maxReadBytes === undefined ? {} : { maxReadBytes: wiring.maxReadBytes }),
  })
  const httpPresence = createHttpPresence({
    leaseMs: wiring.presenceTimeoutMs,
    onChange: (sessionId, membersChanged) => {
      presenceAwareness.sync(sessionId)
      if (membersChanged) void recorder.presenceChanged(sessionId)
    },
  })
  const presenceAwareness = createHttpPresenceAwareness({
    hocuspocus: wiring.hocuspocus,
    devices: (sessionId) => httpPresence.devices(sessionId),
  })
  const recorder = createSessionEventRecorder({
    service,
    onError: wiring.onError,
    now,
    httpMembers: (sessionId) => httpPresence.members(sessionId),
    isHttpDevice: (sessionId, clientId) => httpPresence.ownsClientId(sessionId, clientId),
  })
  const documents = createSessionDocuments({
    hocuspocus: wiring.hocuspocus,
    onError: wiring.onError,
    ...(wiring.documentIdleMs === undefined ? {} : { idleMs: wiring.documentIdleMs }),
  })
  const context = {
    service,
    now,
    log: wiring.log,
    documents,
    recorder,
    sessionLock: createKeyedLock(),
    applyServerChange: wiring.applyServerChange,
    tracer: wiring.tracer,
    longPollTimeoutMs: wiring.longPollTimeoutMs ?? 20_000,
    sseReconnectMs: wiring.sseReconnectMs ?? 60_000,
    maxBodyBytes: wiring.maxBodyBytes ?? 8 * 1024 * 1024,
    maxUserTextChars: wiring.maxUserTextChars,
    ...(wiring.chargeEntries === undefined ? {} : { chargeEntries: wiring.chargeEntries }),
    ...(wiring.screenText === undefined ? {} : { screenText: wiring.screenText }),
    ...(wiring.policyHoldBackChars === undefined ? {} : { policyHoldBackChars: wiring.policyHoldBackChars }),
  }
  const { auth } = wiring
  const nowMs = (): number => (auth?.now ?? Date.now)()
  const principalOf = (request: IncomingMessage, sessionId: string): StreamPrincipal | undefined => {
    if (auth === undefined) return undefined
    const claims = authorizeStreamRequest(
      request,
      { kind: 'session', sessionId },
      { secret: auth.secret, nowMs: nowMs() },
    )
    return { id: claims.sub, role: claims.role }
  }
  const authorizeGeneric =
    auth === undefined
      ? undefined
      : (request: IncomingMessage) => {
          authorizeStreamRequest(request, { kind: 'generic' }, { secret: auth.secret, nowMs: nowMs() })
        }
  const subscriptions = createStreamSubscriptions({
    ...wiring.subscriptions,
    store,
    service,
    onError: wiring.onError,
    now,
    ...(authorizeGeneric === undefined ? {} : { authorize: authorizeGeneric }),
  })
  const handleStreams = createStreamRoutes({
    ...context,
    onError: wiring.onError,
    control: subscriptions.control,
    ...(authorizeGeneric === undefined ? {} : { authorizeGeneric }),
    namespaces: [
      {
        prefix: SESSION_STREAM_NAMESPACE,
        handle: async (request, response, url, sessionId) => {
          await handleSessionStream(request, response, url, sessionId, principalOf(request, sessionId), context)
        },
      },
    ],
  })
  const presenceContext = { log: wiring.log, httpPresence, members: recorder.members }
  const handle = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> => {
    const presenceOf = matchSessionPresencePath(url.pathname)
    if (presenceOf === undefined) return await handleStreams(request, response, url)
    await answerErrors(response, wiring.onError, async () => {
      const sessionId = decodePathSegment(presenceOf)
      await handleSessionPresence(request, response, sessionId, principalOf(request, sessionId), presenceContext)
    })
    return true
  }
  return {
    store,
    extension: recorder.extension,
    presenceExtension: presenceAwareness.extension,
    ownsClientId: (sessionId, clientId) => httpPresence.ownsClientId(sessionId, clientId),
    handle,
    watch: (listener) => service.watch(listener),
    recordEvent: (sessionId, event) => recorder.append(sessionId, event),
    async eraseSession(sessionId) {
      httpPresence.forget(sessionId)
      recorder.forget(sessionId)
      await documents.drop(sessionId)
      // Through the service: after a derivation still in flight, and waking readers of the stream.
      await service.remove(`${SESSION_STREAM_NAMESPACE}${sessionId}`).catch((error: unknown) => {
        if (!isSessionError(error) || error.code !== 'STREAM_NOT_FOUND') throw error
      })
    },
    start: () => subscriptions.start(),
    async stop() {
      httpPresence.stop()
      subscriptions.stop()
      await documents.closeAll()
      await recorder.stop()
    },
  }
}

/** Runs `answer`, answering a failure with its error (send-json.ts). */
async function answerErrors(
  response: ServerResponse,
  log: (error: unknown) => void,
  answer: () => Promise<void>,
): Promise<void> {
  try {
    await answer()
  } catch (error: unknown) {
    sendError(response, error, log)
  }
}

/** A URI-decoded path segment. @throws SessionError INVALID_SESSION_ID when it is not valid percent-encoding */
function decodePathSegment(encoded: string): string {
  try {
    return decodeURIComponent(encoded)
  } catch (cause) {
    throw new SessionError('INVALID_SESSION_ID', 'the session id is not valid percent-encoding', { cause })
  }
}
