/**
 * The HTTP fallback transport (PROTOCOL.md §7): SSE or long-poll downstream, POST upstream, all carrying the same
 * binary frames as the WebSocket into the same Hocuspocus `handleConnection`. A connection is created by its
 * first request (after=0 / seq=1) and lives until the client closes it, Hocuspocus closes it, or it has no stream
 * and no request for `idleTimeoutMs`. Requests of one connection must reach the node that holds it (sticky
 * routing by `cid`, PROTOCOL.md §7.6).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Hocuspocus } from '@hocuspocus/server'
import * as decoding from 'lib0/decoding'
import {
  CONNECTION_ID_PATTERN,
  FALLBACK_HEARTBEAT_MS,
  FALLBACK_IDLE_TIMEOUT_MS,
  FALLBACK_PARAMS,
  FALLBACK_ROUTES,
  LONG_POLL_WAIT_MS,
  SSE_EVENTS,
  type PollBatch,
} from '../../../shared/protocol/http-fallback.ts'
import { isSessionError, SessionError } from '../../../shared/errors/session-error.ts'
import { CLOSE_CODES } from '../../../shared/protocol/close-codes.ts'
import type { SecurityEventListener } from '../../auth/security-event.ts'
import { drainOversized, readBody } from '../../http/read-body.ts'
import { sendJson } from '../../http/send-json.ts'
import { toFetchRequest } from '../to-fetch-request.ts'
import type { TransportContext } from '../transport-context.ts'
import type { ConnectionTracing } from '../../observe/trace-connections.ts'
import type { FrameGate } from '../../limits/frame-gate.ts'
import { createFallbackConnection, type FallbackConnection, type OutboxFrame } from './fallback-connection.ts'

/** Options of {@link createHttpFallbackTransport}. */
export interface HttpFallbackTransportOptions {
  readonly hocuspocus: Hocuspocus
  /** Largest upstream POST body, in bytes; a larger one answers 413 MESSAGE_TOO_LARGE and closes the connection with it. */
  readonly maxBodyBytes: number
  readonly heartbeatMs?: number
  readonly pollWaitMs?: number
  readonly idleTimeoutMs?: number
  /** Creates the gate of a new connection (rate limit, bad frames: PROTOCOL.md §10.2, §2.5); every frame passes without one. */
  readonly gateFor?: (close: (error: SessionError) => void) => FrameGate
  /** Receives a `limit-exceeded` event for each upload over `maxBodyBytes`. */
  readonly onSecurityEvent?: SecurityEventListener
  /** Opens each connection's span (PROTOCOL.md §12); none without it. */
  readonly traceConnection?: ConnectionTracing['open']
}

/** The running transport. */
export interface HttpFallbackTransport {
  /** Handles a fallback route; resolves false for other paths. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean>
  /** Open fallback connections (for health). */
  readonly connectionCount: number
  /** Open fallback connections by downstream mode: the last downstream request's, `sse` before the first (for metrics). */
  connectionsByMode(): Record<FallbackMode, number>
  /** Ends every connection and stops timers. */
  closeAll(): void
}

/** How frames travel down a fallback connection. */
export type FallbackMode = 'sse' | 'long-poll'

interface Entry {
  readonly connection: FallbackConnection
  mode: FallbackMode
  readonly hocuspocusConnection: { handleMessage(data: Uint8Array): void }
  /** Closes the connection and tells Hocuspocus, as a real socket's close event would. */
  readonly close: (code: number, reason: string) => void
  readonly admit: FrameGate
  lastActivity: number
}

/** Creates the transport over `hocuspocus`. */
export function createHttpFallbackTransport(options: HttpFallbackTransportOptions): HttpFallbackTransport {
  const heartbeatMs = options.heartbeatMs ?? FALLBACK_HEARTBEAT_MS
  const pollWaitMs = options.pollWaitMs ?? LONG_POLL_WAIT_MS
  const idleTimeoutMs = options.idleTimeoutMs ?? FALLBACK_IDLE_TIMEOUT_MS
  const entries = new Map<string, Entry>()

  const sweep = setInterval(
    () => {
      const now = Date.now()
      for (const [id, entry] of entries) {
        const idle = now - entry.lastActivity > idleTimeoutMs
        if (entry.connection.closed !== undefined && idle) entries.delete(id)
        else if (idle && !entry.connection.attached) entry.close(CLOSE_CODES.GOING_AWAY, 'idle')
      }
    },
    Math.max(100, Math.floor(idleTimeoutMs / 3)),
  )
  sweep.unref()

  const open = (id: string, request: IncomingMessage, url: URL, fresh: boolean): Entry => {
    const existing = entries.get(id)
    if (existing !== undefined) {
      existing.lastActivity = Date.now()
      return existing
    }
    if (!fresh)
      throw new SessionError(
        'FALLBACK_CONNECTION_NOT_FOUND',
        `fallback connection ${id} is unknown or expired; reconnect`,
        { details: { cid: id } },
      )
    const connection = createFallbackConnection(id)
    const trace = options.traceConnection?.('http-fallback')
    let handleClose: ((event: { code: number; reason: string }) => void) | undefined
    const close = (code: number = CLOSE_CODES.NORMAL, reason = ''): void => {
      if (connection.closed !== undefined) return
      connection.close(code, reason)
      trace?.end(code, reason)
      queueMicrotask(() => handleClose?.({ code, reason }))
    }
    const hocuspocusConnection = options.hocuspocus.handleConnection(
      {
        get readyState() {
          return connection.readyState
        },
        send: (data: string | ArrayBufferLike | Blob | ArrayBufferView) => {
          connection.send(data)
        },
        close,
      },
      toFetchRequest(request, url),
      {
        closeTransport: close,
        transport: 'http-fallback',
        ...(trace === undefined ? {} : { trace }),
      } satisfies TransportContext,
    )
    handleClose = (event) => {
      hocuspocusConnection.handleClose(event)
    }
    const admit =
      options.gateFor?.((error) => {
        close(error.closeCode, error.code)
      }) ?? (() => true)
    const entry: Entry = { connection, hocuspocusConnection, close, admit, mode: 'sse', lastActivity: Date.now() }
    entries.set(id, entry)
    return entry
  }

  const sse = (request: IncomingMessage, response: ServerResponse, entry: Entry, after: number): void => {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    })
    response.write(`retry: 1000\nevent: ${SSE_EVENTS.HELLO}\ndata: ${JSON.stringify({ cid: entry.connection.id })}\n\n`)
    const writeFrame = (frame: OutboxFrame): void => {
      response.write(
        `id: ${frame.seq}\nevent: ${SSE_EVENTS.FRAME}\ndata: ${Buffer.from(frame.data).toString('base64')}\n\n`,
      )
    }
    const writeClose = (code: number, reason: string): void => {
      response.end(`event: ${SSE_EVENTS.CLOSE}\ndata: ${JSON.stringify({ code, reason })}\n\n`)
    }
    entry.connection.framesAfter(after).forEach(writeFrame)
    if (entry.connection.closed !== undefined) {
      writeClose(entry.connection.closed.code, entry.connection.closed.reason)
      return
    }
    const detach = entry.connection.attach({ frame: writeFrame, close: writeClose })
    const heartbeat = setInterval(() => {
      response.write(': heartbeat\n\n')
    }, heartbeatMs)
    request.once('close', () => {
      clearInterval(heartbeat)
      detach()
      entry.lastActivity = Date.now()
    })
  }

  const poll = (request: IncomingMessage, response: ServerResponse, entry: Entry, after: number): void => {
    const answer = (): void => {
      const batch: PollBatch = {
        frames: entry.connection
          .framesAfter(after)
          .map((frame) => ({ seq: frame.seq, data: Buffer.from(frame.data).toString('base64') })),
        ...(entry.connection.closed === undefined ? {} : { closed: entry.connection.closed }),
      }
      sendJson(response, 200, batch)
    }
    if (entry.connection.framesAfter(after).length > 0 || entry.connection.closed !== undefined || after === 0) {
      answer()
      return
    }
    let done = false
    const finish = (): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      detach()
      entry.lastActivity = Date.now()
      if (!response.writableEnded && !request.destroyed) answer()
    }
    const timer = setTimeout(finish, pollWaitMs)
    const detach = entry.connection.attach({ frame: finish, close: finish })
    request.once('close', finish)
  }

  const send = async (
    request: IncomingMessage,
    response: ServerResponse,
    id: string,
    url: URL,
    seq: number,
  ): Promise<void> => {
    const body = new Uint8Array(
      await readBody(request, options.maxBodyBytes, drainOversized(options.maxBodyBytes)).catch((error: unknown) => {
        // Like a WebSocket frame over the cap: the connection ends with the code, and this request is answered with it.
        if (isSessionError(error) && error.code === 'MESSAGE_TOO_LARGE') {
          options.onSecurityEvent?.({ kind: 'limit-exceeded', sessionId: '', error })
          entries.get(id)?.close(error.closeCode, error.code)
        }
        throw error
      }),
    )
    const entry = open(id, request, url, seq === 1)
    const frames = decodeFrames(body)
    const fresh = entry.connection.acceptUpstream(seq, frames)
    if (fresh === undefined) {
      throw new SessionError('SEQUENCE_GAP', `expected upstream seq ${entry.connection.upstreamSeq + 1}, got ${seq}`, {
        details: { expected: entry.connection.upstreamSeq + 1 },
      })
    }
    for (const frame of fresh) {
      if (entry.admit(frame)) entry.hocuspocusConnection.handleMessage(frame)
    }
    sendJson(response, 200, { upstreamSeq: entry.connection.upstreamSeq })
  }

  return {
    async handle(request, response, url) {
      const route = Object.values(FALLBACK_ROUTES).find((path) => path === url.pathname)
      if (route === undefined || route === FALLBACK_ROUTES.WEBSOCKET_PROBE) return false
      const id = url.searchParams.get(FALLBACK_PARAMS.CONNECTION_ID) ?? ''
      if (!CONNECTION_ID_PATTERN.test(id))
        throw new SessionError(
          'BAD_REQUEST',
          `${FALLBACK_PARAMS.CONNECTION_ID} must match ${String(CONNECTION_ID_PATTERN)}`,
        )
      const expectedMethod = route === FALLBACK_ROUTES.SEND || route === FALLBACK_ROUTES.CLOSE ? 'POST' : 'GET'
      if (request.method !== expectedMethod)
        throw new SessionError('METHOD_NOT_ALLOWED', `use ${expectedMethod} for ${route}`, {
          details: { allowed: [expectedMethod] },
        })
      if (route === FALLBACK_ROUTES.CLOSE) {
        entries.get(id)?.close(CLOSE_CODES.NORMAL, 'client closed')
        entries.delete(id) // the client fetches nothing more: its unread frames go now, not after the idle sweep
        response.writeHead(204).end()
        return true
      }
      if (route === FALLBACK_ROUTES.SEND) {
        await send(request, response, id, url, parseCount(url, FALLBACK_PARAMS.SEQ, 1))
        return true
      }
      const after = parseCount(url, FALLBACK_PARAMS.AFTER, 0)
      const entry = open(id, request, url, after === 0)
      entry.mode = route === FALLBACK_ROUTES.SSE ? 'sse' : 'long-poll'
      if (route === FALLBACK_ROUTES.SSE) sse(request, response, entry, after)
      else poll(request, response, entry, after)
      return true
    },
    get connectionCount() {
      return [...entries.values()].filter((entry) => entry.connection.closed === undefined).length
    },
    connectionsByMode() {
      const counts: Record<FallbackMode, number> = { sse: 0, 'long-poll': 0 }
      for (const entry of entries.values()) if (entry.connection.closed === undefined) counts[entry.mode]++
      return counts
    },
    closeAll() {
      clearInterval(sweep)
      for (const entry of entries.values()) entry.close(CLOSE_CODES.GOING_AWAY, 'server shutting down')
      entries.clear()
    },
  }
}

function parseCount(url: URL, name: string, minimum: number): number {
  const raw = url.searchParams.get(name) ?? String(minimum)
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value < minimum)
    throw new SessionError('BAD_REQUEST', `${name} must be an integer ≥ ${minimum}`, { details: { field: name } })
  return value
}

/** Upstream bodies are a sequence of varUint8Array frames (lib0 encoding). */
function decodeFrames(body: Uint8Array): Uint8Array[] {
  const decoder = decoding.createDecoder(body)
  const frames: Uint8Array[] = []
  try {
    while (decoding.hasContent(decoder)) frames.push(decoding.readVarUint8Array(decoder))
  } catch (cause) {
    throw new SessionError('BAD_REQUEST', 'upstream body is not a sequence of length-prefixed frames', { cause })
  }
  return frames
}
