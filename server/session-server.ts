/**
 * createSessionServer: the composition root. One HTTP server on one port carries the JSON API and the
 * WebSocket transport; Hocuspocus holds live session documents; the durable log extension persists every
 * update before it is acknowledged.
 *
 *   const server = await createSessionServer({ port: 0, dataPath: './data/lifeline.sqlite' })
 *   console.log(server.url) // http://127.0.0.1:PORT
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Hocuspocus, type Extension } from '@hocuspocus/server'
import { trace, type Tracer } from '@opentelemetry/api'
import type { Logger } from 'pino'
import { ROUTES } from '../shared/protocol/routes.ts'
import { TRACER_NAME } from '../shared/observe/trace-names.ts'
import { SessionError } from '../shared/errors/session-error.ts'
import type { SessionLimits } from '../shared/limits/session-limits.ts'
import { POLICY_HOLD_BACK_CHARS } from '../shared/policy/message-policy.ts'
import { checkPresenceMs, DEFAULT_PRESENCE_TIMEOUT_MS } from '../shared/presence/presence-timing.ts'
import { toSecretKey, type AuthSecret } from './auth/auth-secret.ts'
import { authorizeHttpRequest } from './auth/authorize-http-request.ts'
import { toSafeListener, type SecurityEventListener } from './auth/security-event.ts'
import { createAuthenticate } from './extensions/authenticate.ts'
import { createCompactAnyContent } from './extensions/compact-any-content.ts'
import { createDurableLog } from './extensions/durable-log.ts'
import { createEnforceBudgets } from './extensions/enforce-budgets.ts'
import { createEnforceLimits } from './extensions/enforce-limits.ts'
import { createGovernUpdates } from './extensions/govern-updates.ts'
import { createHoldWriterFrames } from './extensions/hold-writer-frames.ts'
import { createUpdateRefusals } from './extensions/update-refusals.ts'
import { createRunLease, DEFAULT_RUN_LEASE_MS } from './extensions/run-lease.ts'
import { createPolicyGate } from './policy/create-policy-gate.ts'
import type { MessagePolicy } from './policy/message-policy.ts'
import { createRedisScaleOut, type RedisScaleOutOptions } from './scale/redis-scale-out.ts'
import { createSessionEraser } from './session-eraser.ts'
import { createSessionsApi } from './http/sessions-api.ts'
import { createAuditApi } from './http/audit-api.ts'
import { createObservability } from './observe/create-observability.ts'
import { createReplyTraceParents } from './observe/reply-trace-parents.ts'
import { createConnectionTracing } from './observe/trace-connections.ts'
import { traceUpdateLog } from './observe/trace-update-log.ts'
import { sendError, sendJson } from './http/send-json.ts'
import { createBadFrameGate } from './limits/bad-frame-gate.ts'
import { createEntryCharger } from './limits/charge-new-entries.ts'
import { createFrameGate, type FrameGate } from './limits/frame-gate.ts'
import { createPrincipalBudgets, type PrincipalBudgets } from './limits/principal-budgets.ts'
import { resolveSessionLimits } from './limits/resolve-session-limits.ts'
import { createSilentDeviceSweep } from './presence/create-silent-device-sweep.ts'
import { createSqliteUpdateLog } from './persistence/sqlite-update-log.ts'
import type { UpdateLog } from './persistence/update-log.ts'
import { createHttpFallbackTransport } from './transports/http-fallback/http-fallback-transport.ts'
import { attachWebSocketTransport } from './transports/websocket-transport.ts'
import { createSessionStreams, type SessionStreamsOptions } from './session-streams/session-streams.ts'
import { createSessionWebhooks, type SessionWebhooksOptions } from './session-webhooks/create-session-webhooks.ts'
import { handleWebhooksApi } from './session-webhooks/handle-webhooks-api.ts'
import { createSessionRetention } from './retention/create-session-retention.ts'
import type { RetentionSweepReport } from './retention/retention-sweeper.ts'
import type { SessionRetentionOptions } from './retention/session-retention-options.ts'

/** Options of {@link createSessionServer}. */
export interface SessionServerOptions {
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string
  /** Storage; defaults to SQLite at `dataPath`. */
  readonly updateLog?: UpdateLog
  /** SQLite file used when no `updateLog` is given (default `./data/lifeline.sqlite`). */
  readonly dataPath?: string
  /** Compact a session's log after this many appends (default 500). */
  readonly compactEveryUpdates?: number
  /** A running run whose agent sends nothing for this long is marked interrupted, in ms (default 15000). */
  readonly runLeaseMs?: number
  /** Timing of the HTTP fallback transport (defaults in shared/protocol/http-fallback.ts). */
  readonly fallback?: { readonly heartbeatMs?: number; readonly pollWaitMs?: number; readonly idleTimeoutMs?: number }
  /** Largest WebSocket frame (and HTTP fallback upload) accepted, in bytes (default 4 MiB). */
  readonly maxFrameBytes?: number
  /**
   * Further Hocuspocus extensions, run after Lifeline's own (e.g. to attach an agent on `afterLoadDocument`). Sync
   * steps 1 are answered by Lifeline before Hocuspocus reads them (PROTOCOL.md §10.4): these extensions' `beforeSync`
   * sees steps 2 and updates only, and their `beforeHandleMessage` sees a step 1 as a QueryAwareness frame.
   */
  readonly extensions?: readonly Extension[]
  /** Receives errors the server cannot hand to a caller (default: the logger, level error). */
  readonly onError?: (error: unknown) => void
  /** Extra handler tried before the built-in routes (e.g. a static demo app); resolve true when handled. */
  readonly handleRequest?: (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>
  /**
   * Require signed tokens (PROTOCOL.md §8): every connection authenticates, every inbound update is inspected
   * against its role too, the session routes need a bearer token. Without it the server is open: updates are still
   * inspected against the session schema and its append-only rules.
   */
  readonly auth?: SessionServerAuthOptions
  /**
   * Structured logger (pino): connections opened and closed, rejected updates, failed authentications, background
   * errors, start-up. Default: errors only, to stderr.
   */
  readonly logger?: Logger
  /**
   * Static bearer token for `GET /metrics`. Without it, metrics are open when auth is off, and need an observer
   * token scoped to `*` when auth is on (docs/operations.md § Observability).
   */
  readonly metricsToken?: string
  /** Durable Streams under `/v1/stream/` (PROTOCOL.md §9): storage and live-read timing. */
  readonly streams?: SessionStreamsOptions
  /**
   * Session webhooks (PROTOCOL.md §9.12): endpoints that receive signed session events, and their delivery settings.
   * Endpoints are also added through the admin API (`/v1/webhooks`, §9.13). The state is kept in the stream store.
   * @throws SessionError BAD_REQUEST or WEBHOOK_URL_REJECTED (from createSessionServer) for an invalid endpoint
   */
  readonly webhooks?: SessionWebhooksOptions
  /**
   * Run as one of N nodes sharing sessions through Redis (Hocuspocus' Redis extension; use a PostgreSQL
   * `updateLog` shared by all nodes). Unset: a single node.
   */
  readonly redis?: RedisScaleOutOptions
  /**
   * Abuse limits (PROTOCOL.md §10; defaults in DEFAULT_SESSION_LIMITS): update size, user text length, per-connection
   * rate, sync-answer budgets and message/steer rates per connection and principal. An update over a size limit is
   * refused in-band; a rate or budget violation closes the connection with a coded error (HTTP appends: 429). Each
   * violation is logged and reported to `auth.onSecurityEvent`.
   */
  readonly limits?: Partial<SessionLimits>
  /**
   * Clock in ms of every rate limit and budget (frame rates, sync answers, messages and steers; default
   * performance.now). Tests inject one so refills happen when they advance it, not with the wall clock.
   */
  readonly limitsNow?: () => number
  /**
   * A device whose awareness state is not renewed for this long is dropped from presence and the removal broadcast,
   * in ms (default DEFAULT_PRESENCE_TIMEOUT_MS, 15000; PROTOCOL.md §8.5). Clients renew every
   * `presenceHeartbeatMs` (default 5000): keep this at least twice that, better three times.
   * @throws TypeError (from createSessionServer) when it is not a positive integer
   */
  readonly presenceTimeoutMs?: number
  /**
   * The message policy (PROTOCOL.md §8.8, docs/pipelines.md § Message policy): asked about each user message and each
   * agent token run, over Yjs and HTTP, before it is stored; it allows, redacts spans or rejects with a reason shown to
   * the author. Each decision is counted (`lifeline_policy_decisions_total`), each other than allow reported as a
   * `policy-decision` security event. Default: none.
   */
  readonly policy?: MessagePolicy
  /**
   * Longest the policy may take to decide, in ms (default DEFAULT_POLICY_TIMEOUT_MS, 2000); a slower, throwing or
   * malformed answer refuses the text (fail closed, POLICY_REJECTED).
   * @throws TypeError (from createSessionServer) when it is not a positive integer
   */
  readonly policyTimeoutMs?: number
  /**
   * Most trailing characters streaming writers hold back while the policy is set — the trailing word and the number
   * before it (PROTOCOL.md §8.8; default POLICY_HOLD_BACK_CHARS, 64) — announced to Yjs clients and on HTTP appends.
   * 0 announces none: for a policy that only judges whole texts and needs no split pattern caught, so replies stream
   * without the delay.
   * @throws TypeError (from createSessionServer) when it is not a non-negative integer
   */
  readonly policyHoldBackChars?: number
  /**
   * OpenTelemetry traces (PROTOCOL.md §12, docs/operations.md § Traces): connection, persist and HTTP append spans.
   * `tracer` defaults to `trace.getTracer('lifeline')` of `@opentelemetry/api`, a no-op until the application
   * registers a tracer provider.
   */
  readonly tracing?: { readonly tracer?: Tracer }
  /**
   * Retention of finished sessions (PROTOCOL.md §13, docs/operations.md § Retention): default periods, the archive
   * (JSON lines files or a PostgreSQL table) and the sweep. Unset: sessions are kept until deleted.
   * @throws SessionError BAD_REQUEST (from createSessionServer) for bad periods or names
   */
  readonly retention?: SessionRetentionOptions
}

/** Options of token enforcement. */
export interface SessionServerAuthOptions {
  /** HMAC-SHA256 secret of the tokens, at least 32 bytes. */
  readonly secret: AuthSecret
  /** Clock in ms for token expiry (default Date.now). */
  readonly now?: () => number
  /** Receives failed authentications, rejected updates and other security events (default: ignored). */
  readonly onSecurityEvent?: SecurityEventListener
}

/** A running session server. */
export interface SessionServer {
  /** Base HTTP URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** WebSocket URL for clients, e.g. `ws://127.0.0.1:41234/v1/ws`. */
  readonly websocketUrl: string
  readonly port: number
  readonly updateLog: UpdateLog
  readonly hocuspocus: Hocuspocus
  /** The server's logger (the `logger` option, or the default). */
  readonly logger: Logger
  /** The per-principal budgets of this node (PROTOCOL.md §10.4): principals held in memory, and the sweep of idle ones. */
  readonly principalBudgets: Pick<PrincipalBudgets, 'size' | 'sweep'>
  /** The retention sweep when the `retention` option is set: `sweep()` runs one now (the timer runs the others). */
  readonly retention: { sweep(): Promise<RetentionSweepReport> } | undefined
  /** Stops accepting, closes connections, waits for background compaction and closes storage. */
  close(): Promise<void>
}

/** Default largest WebSocket frame: 4 MiB, well above a coalesced token run or a full resync of a long session. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024

/** Starts a session server and resolves once it listens. */
export async function createSessionServer(options: SessionServerOptions = {}): Promise<SessionServer> {
  const observe = createObservability({
    logger: options.logger,
    metricsToken: options.metricsToken,
    auth: options.auth,
    sources: {
      connectionCounts: () => ({ websocket: transport.connectionCount, ...fallback.connectionsByMode() }),
      sessionsLoaded: () => hocuspocus.getDocumentsCount(),
      webhookDeadLetters: () => webhooks.deadLetterCount(),
    },
  })
  const reportError =
    options.onError ??
    ((error: unknown) => {
      observe.logger.error({ err: error }, 'server error')
    })
  const tracer = options.tracing?.tracer ?? trace.getTracer(TRACER_NAME)
  const connectionTracing = createConnectionTracing(tracer)
  const updateLog = observe.meterUpdateLog(
    traceUpdateLog(
      options.updateLog ?? createSqliteUpdateLog({ path: options.dataPath ?? './data/lifeline.sqlite' }),
      tracer,
    ),
  )
  const durableLog = createDurableLog({
    log: updateLog,
    onBackgroundError: reportError,
    onQuarantine: observe.reportQuarantine,
    traceParentOf: createReplyTraceParents(),
    ...(options.compactEveryUpdates === undefined ? {} : { compactEveryUpdates: options.compactEveryUpdates }),
  })
  const runLease = createRunLease({
    applyServerChange: durableLog.applyServerChange,
    onError: reportError,
    ...(options.runLeaseMs === undefined
      ? {}
      : { leaseMs: options.runLeaseMs, checkEveryMs: Math.max(50, Math.min(1_000, options.runLeaseMs / 4)) }),
  })
  const presenceTimeoutMs = checkPresenceMs(
    'presenceTimeoutMs',
    options.presenceTimeoutMs ?? DEFAULT_PRESENCE_TIMEOUT_MS,
  )
  const silentDevices = createSilentDeviceSweep({ timeoutMs: presenceTimeoutMs })
  const auth = options.auth
  if (auth !== undefined) toSecretKey(auth.secret) // fails start-up on a weak secret
  const limits = resolveSessionLimits(options.limits ?? {}, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES)
  const onSecurityEvent = toSafeListener(observe.observeSecurityEvents(auth?.onSecurityEvent))
  const limitsClock = options.limitsNow === undefined ? {} : { now: options.limitsNow }
  const principals = createPrincipalBudgets({ limits, ...limitsClock })
  const scaleOut = options.redis === undefined ? undefined : createRedisScaleOut(options.redis, reportError)
  const refusals = createUpdateRefusals()
  const policyHoldBackChars = options.policyHoldBackChars ?? POLICY_HOLD_BACK_CHARS
  if (!Number.isSafeInteger(policyHoldBackChars) || policyHoldBackChars < 0)
    throw new TypeError(`policyHoldBackChars must be a non-negative integer, not ${String(policyHoldBackChars)}`)
  const announcedHoldBack = options.policy === undefined || policyHoldBackChars === 0 ? {} : { policyHoldBackChars }
  const screenText =
    options.policy === undefined
      ? undefined
      : createPolicyGate({
          policy: options.policy,
          onSecurityEvent,
          recordDecision: observe.metrics.recordPolicyDecision,
          recordEvent: (sessionId, event) => streams.recordEvent(sessionId, event),
          ...(options.policyTimeoutMs === undefined ? {} : { timeoutMs: options.policyTimeoutMs }),
        })
  const budgets = createEnforceBudgets({ limits, principals, onSecurityEvent, ...limitsClock })
  // Every server inspects updates (PROTOCOL.md §8.3); without auth, with the open rules.
  const governUpdates = createGovernUpdates({
    onSecurityEvent,
    refusals,
    chargeUpdate: budgets.chargeUpdate,
    maxUserTextChars: limits.maxUserTextChars,
    open: auth === undefined,
    isServerClientId: (sessionId, clientId) => streams.ownsClientId(sessionId, clientId),
    ...(screenText === undefined ? {} : { screenText }),
    ...(scaleOut === undefined ? {} : { claims: scaleOut.claims }),
  })
  const governance =
    auth === undefined ? [governUpdates] : [createAuthenticate({ ...auth, onSecurityEvent }), governUpdates]
  const streams = createSessionStreams({
    ...options.streams,
    hocuspocus: () => hocuspocus,
    log: updateLog,
    applyServerChange: durableLog.applyServerChange,
    tracer,
    onError: reportError,
    ...(options.updateLog === undefined ? { defaultStorePath: options.dataPath ?? './data/lifeline.sqlite' } : {}),
    ...(auth === undefined ? {} : { auth }),
    chargeEntries: createEntryCharger(principals, limits, onSecurityEvent),
    maxUserTextChars: limits.maxUserTextChars,
    presenceTimeoutMs,
    ...(screenText === undefined ? {} : { screenText }),
    ...announcedHoldBack,
  })
  const webhooks = createSessionWebhooks({
    ...options.webhooks,
    store: streams.store,
    watch: streams.watch,
    onError: reportError,
    onOutcome: observe.metrics.recordWebhookDelivery,
  })
  const hocuspocus = new Hocuspocus({
    quiet: true,
    // Broadcast each update as it is applied: merging queued updates stalls under token floods
    // (docs/architecture.md § Things that surprised us).
    flushDelay: false,
    // Hocuspocus orders hooks by `priority` (extension-priority.ts): authenticate, governance, then the log.
    extensions: [
      createEnforceLimits({
        limits,
        onSecurityEvent,
        refusals,
        presenceTimeoutMs,
        ...announcedHoldBack,
      }),
      ...governance,
      budgets.extension,
      durableLog.extension,
      runLease.extension,
      silentDevices.extension,
      createCompactAnyContent(),
      streams.presenceExtension,
      ...(scaleOut === undefined ? [] : [scaleOut.extension]),
      streams.extension,
      ...observe.extensions,
      connectionTracing.extension,
      createHoldWriterFrames(),
      ...(options.extensions ?? []),
    ],
  })
  scaleOut?.attach(hocuspocus)
  const eraser = createSessionEraser({
    hocuspocus,
    durableLog,
    eraseStream: async (sessionId) => {
      await streams.eraseSession(sessionId)
      await webhooks.forgetSession(sessionId)
    },
    onError: reportError,
    ...(scaleOut === undefined ? {} : { deletions: scaleOut.deletions }),
  })
  const retention =
    options.retention === undefined
      ? undefined
      : await createSessionRetention(options.retention, {
          hocuspocus,
          log: updateLog,
          erase: eraser.erase,
          onSecurityEvent,
          runLeaseMs: options.runLeaseMs ?? DEFAULT_RUN_LEASE_MS,
          logger: observe.logger,
          count: observe.metrics.recordRetention,
          onError: reportError,
        })
  const sessionsApi = createSessionsApi({
    log: updateLog,
    hocuspocus,
    applyServerChange: durableLog.applyServerChange,
    // An owner's erasure reaches the archive too: removed first, so that a failure leaves the session to delete
    // again, and once more after, in case a sweep archived the session while it was being erased (this node's sweep:
    // once its archive step for the session is over).
    eraseSession: async (sessionId) => {
      await retention?.removeArchived(sessionId)
      await eraser.erase(sessionId)
      await retention?.removeArchived(sessionId, { afterSweep: true })
    },
    onSecurityEvent,
  })
  const auditApi = createAuditApi({ log: updateLog })

  const httpServer = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    void handle(request, response, url).catch((error: unknown) => {
      sendError(response, error, reportError)
    })
  })
  const handle = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    if (options.handleRequest !== undefined && (await options.handleRequest(request, response, url))) return
    if (url.pathname === ROUTES.HEALTH) {
      sendJson(response, 200, {
        ok: true,
        sessionsLoaded: hocuspocus.getDocumentsCount(),
        connections: transport.connectionCount + fallback.connectionCount,
      })
      return
    }
    if (await fallback.handle(request, response, url)) return
    if (await observe.handle(request, response, url)) return
    if (await streams.handle(request, response, url)) return
    const webhooksApi = { webhooks, onSecurityEvent, ...(auth === undefined ? {} : { auth }) }
    if (await handleWebhooksApi(request, response, url, webhooksApi)) return
    const claims =
      auth === undefined
        ? undefined
        : authorizeHttpRequest(request, url, { secret: auth.secret, nowMs: (auth.now ?? Date.now)() })
    if (await auditApi(request, response, url, claims)) return
    if (await sessionsApi(request, response, url, claims)) return
    throw new SessionError('ROUTE_NOT_FOUND', `no route for ${request.method ?? '?'} ${url.pathname}`)
  }
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  const gateFor = (close: (error: SessionError) => void): FrameGate => {
    const rate = createFrameGate({ limits, close, onSecurityEvent, ...limitsClock })
    const badFrames = createBadFrameGate({ close, onSecurityEvent })
    return (frame) => rate(frame) && badFrames(frame)
  }
  const transport = attachWebSocketTransport({
    httpServer,
    hocuspocus,
    maxFrameBytes,
    gateFor,
    onSecurityEvent,
    traceConnection: connectionTracing.open,
  })
  const fallback = createHttpFallbackTransport({
    hocuspocus,
    maxBodyBytes: maxFrameBytes,
    gateFor,
    onSecurityEvent,
    traceConnection: connectionTracing.open,
    ...options.fallback,
  })

  await streams.start()
  await webhooks.start()
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject)
    httpServer.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      httpServer.off('error', reject)
      resolve()
    })
  })
  const address = httpServer.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`
  observe.logger.info({ event: 'server-listening', url, auth: auth !== undefined }, 'session server listening')

  return {
    url,
    websocketUrl: `ws://${host}:${address.port}${ROUTES.WEBSOCKET}`,
    port: address.port,
    updateLog,
    hocuspocus,
    logger: observe.logger,
    principalBudgets: principals,
    retention: retention === undefined ? undefined : { sweep: () => retention.sweep() },
    async close() {
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()))
      await retention?.close()
      runLease.stop()
      silentDevices.stop()
      principals.stop()
      await webhooks.close()
      await streams.stop()
      await durableLog.stop()
      transport.terminateAll()
      fallback.closeAll()
      httpServer.closeAllConnections()
      await closed
      await updateLog.close()
      await streams.store.close()
      await scaleOut?.close()
    },
  }
}
