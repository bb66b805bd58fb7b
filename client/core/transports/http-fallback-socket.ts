/**
 * HttpFallbackSocket: a WebSocket-compatible class over HTTP (PROTOCOL.md §7) for the Hocuspocus provider.
 * Downstream is SSE, or long-poll when SSE events do not arrive promptly (a buffering proxy); both resume from
 * the last frame seq held, so a cut stream loses and repeats nothing. Upstream frames are POSTed one batch at a
 * time with their seq, so a retried POST is applied once. It reports `open` only when the server answered (an SSE
 * `hello` or a poll answer), and `close` when the server ended or forgot the connection.
 */
import * as encoding from 'lib0/encoding'
import {
  FALLBACK_HEARTBEAT_MS,
  FALLBACK_PARAMS,
  FALLBACK_ROUTES,
  LONG_POLL_WAIT_MS,
  SSE_EVENTS,
  type PollBatch,
} from '../../../shared/protocol/http-fallback.ts'
import { ERROR_CODES, isErrorCode, type ErrorCode } from '../../../shared/errors/error-codes.ts'
import { CLOSE_CODES } from '../../../shared/protocol/close-codes.ts'
import { createRandomId } from '../../../shared/session/session-id.ts'
import { copyBytes } from './copy-bytes.ts'
import { readSse } from './read-sse.ts'
import { SocketEvents } from './socket-events.ts'

/** Downstream modes of the fallback. */
export type FallbackMode = 'sse' | 'long-poll'

/** Options of {@link HttpFallbackSocket}. */
export interface HttpFallbackSocketOptions {
  readonly mode: FallbackMode
  /** SSE: no `hello` within this many ms → long-poll on the same connection (default 3000). */
  readonly helloTimeoutMs?: number
  /** SSE: a stream silent this long (no frame, no heartbeat) is presumed half-open and reopened (default 2.5 heartbeats). */
  readonly silenceTimeoutMs?: number
  readonly fetch?: typeof fetch
  /** Called when a downstream mode has proven itself (first server answer in that mode). */
  readonly onMode?: (mode: FallbackMode) => void
  /**
   * Before the first server answer, a downstream request that reaches no server — a network error (offline), or a
   * proxy's 502, 503 or 504 — closes the socket with CLOSE_CODES.CONNECTION_LOST instead of being retried (default
   * false: retried with backoff).
   */
  readonly closeWhenUnreachable?: boolean
}

const RETRY_MIN_MS = 200
const RETRY_MAX_MS = 3_000
const MAX_FRAMES_PER_POST = 64
/** Answers a proxy gives when the server behind it is down (Bad Gateway, Service Unavailable, Gateway Timeout). */
const UNREACHABLE_STATUSES = new Set([502, 503, 504])

/** A WebSocket-like connection to the server over HTTP. */
export class HttpFallbackSocket extends SocketEvents {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  readyState = 0
  binaryType = 'arraybuffer'
  private mode: FallbackMode
  private readonly base: string
  private readonly cid = createRandomId(24)
  private readonly stopped = new AbortController()
  private readonly fetch: typeof fetch
  private after = 0
  private upstreamSeq = 0
  private readonly outgoing: Uint8Array[] = []
  private sending = false
  /** Whether the last downstream request got an answer from beyond the network (see `closeWhenUnreachable`). */
  private reached = false

  constructor(
    url: string,
    private readonly options: HttpFallbackSocketOptions,
  ) {
    super()
    this.mode = options.mode
    const parsed = new URL(url)
    parsed.protocol = parsed.protocol === 'wss:' ? 'https:' : parsed.protocol === 'ws:' ? 'http:' : parsed.protocol
    this.base = parsed.origin
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
    void this.runDownstream()
  }

  /** The downstream mode in use. */
  get downstream(): FallbackMode {
    return this.mode
  }

  send(data: ArrayBufferLike | ArrayBufferView): void {
    if (this.readyState !== HttpFallbackSocket.OPEN) return
    this.outgoing.push(copyBytes(data))
    void this.flushUpstream()
  }

  close(code: number = CLOSE_CODES.NORMAL, reason = ''): void {
    if (this.readyState >= HttpFallbackSocket.CLOSING) return
    void this.fetch(this.url(FALLBACK_ROUTES.CLOSE), { method: 'POST' }).catch(() => undefined) // reason: best effort; the server expires idle connections
    this.end(code, reason)
  }

  private url(route: string, param?: string, value?: number): string {
    const query = `${FALLBACK_PARAMS.CONNECTION_ID}=${this.cid}${param === undefined ? '' : `&${param}=${String(value)}`}`
    return `${this.base}${route}?${query}`
  }

  private end(code: number, reason: string): void {
    if (this.readyState === HttpFallbackSocket.CLOSED) return
    this.readyState = HttpFallbackSocket.CLOSED
    this.stopped.abort()
    this.dispatch('close', { code, reason })
  }

  private opened(): void {
    if (this.readyState !== HttpFallbackSocket.CONNECTING) return
    this.readyState = HttpFallbackSocket.OPEN
    this.options.onMode?.(this.mode)
    this.dispatch('open', {})
  }

  private deliver(seq: number, base64: string): void {
    if (seq <= this.after) return // a replayed frame we already hold
    this.after = seq
    this.dispatch('message', { data: fromBase64(base64).buffer as ArrayBuffer })
  }

  private async runDownstream(): Promise<void> {
    let delay = RETRY_MIN_MS
    while (this.readyState < HttpFallbackSocket.CLOSING) {
      const mode = this.mode
      this.reached = false
      const progressed = await (this.mode === 'sse' ? this.streamSse() : this.pollOnce()).catch(() => false)
      if (this.readyState >= HttpFallbackSocket.CLOSING) return
      // A mode change (no SSE hello in time) is a buffering proxy, which did answer.
      const unreachable = !this.reached && mode === this.mode
      if (
        unreachable &&
        this.options.closeWhenUnreachable === true &&
        this.readyState === HttpFallbackSocket.CONNECTING
      ) {
        this.end(CLOSE_CODES.CONNECTION_LOST, '')
        return
      }
      delay = progressed ? RETRY_MIN_MS : Math.min(delay * 2, RETRY_MAX_MS)
      if (!progressed) await wait(delay, this.stopped.signal)
    }
  }

  /** One SSE stream until it ends; true when it delivered anything. */
  private async streamSse(): Promise<boolean> {
    const request = new AbortController()
    const abort = (): void => {
      request.abort()
    }
    this.stopped.signal.addEventListener('abort', abort, { once: true })
    const helloTimeoutMs = this.options.helloTimeoutMs ?? 3_000
    const silenceTimeoutMs = this.options.silenceTimeoutMs ?? FALLBACK_HEARTBEAT_MS * 2.5
    let sawHello = false
    let silence: ReturnType<typeof setTimeout> | undefined
    const watch = (ms: number): void => {
      clearTimeout(silence)
      silence = setTimeout(() => {
        request.abort()
      }, ms)
    }
    watch(helloTimeoutMs)
    let progressed = false
    try {
      const response = await this.fetch(this.url(FALLBACK_ROUTES.SSE, FALLBACK_PARAMS.AFTER, this.after), {
        headers: { accept: 'text/event-stream' },
        signal: request.signal,
      })
      if (!this.accepted(response)) return false
      for await (const event of readSse(response.body ?? emptyStream(), () => {
        if (sawHello) watch(silenceTimeoutMs)
      })) {
        progressed = true
        if (event.event === SSE_EVENTS.HELLO) {
          sawHello = true
          watch(silenceTimeoutMs)
          this.opened()
        } else if (event.event === SSE_EVENTS.FRAME) {
          this.deliver(Number(event.id), event.data)
        } else if (event.event === SSE_EVENTS.CLOSE) {
          const { code, reason } = JSON.parse(event.data) as { code: number; reason: string }
          this.end(code, reason)
        }
      }
      return progressed
    } finally {
      clearTimeout(silence)
      this.stopped.signal.removeEventListener('abort', abort)
      // PROTOCOL.md §7.3: no hello in time means a buffering proxy; continue on the same connection by long-poll.
      if (!sawHello && this.readyState === HttpFallbackSocket.CONNECTING && request.signal.aborted)
        this.mode = 'long-poll'
    }
  }

  /** One long-poll round; true when the server answered. */
  private async pollOnce(): Promise<boolean> {
    const timeout = AbortSignal.timeout(LONG_POLL_WAIT_MS + 10_000)
    const response = await this.fetch(this.url(FALLBACK_ROUTES.POLL, FALLBACK_PARAMS.AFTER, this.after), {
      signal: AbortSignal.any([timeout, this.stopped.signal]),
    })
    if (!this.accepted(response)) return false
    const batch = (await response.json()) as PollBatch
    this.opened()
    for (const frame of batch.frames) this.deliver(frame.seq, frame.data)
    if (batch.closed !== undefined) this.end(batch.closed.code, batch.closed.reason)
    return true
  }

  /** False (after ending the socket when the server forgot it) unless the response is a 2xx. */
  private accepted(response: Response): boolean {
    this.reached = !UNREACHABLE_STATUSES.has(response.status)
    if (response.status === 404)
      this.end(ERROR_CODES.FALLBACK_CONNECTION_NOT_FOUND.closeCode, 'FALLBACK_CONNECTION_NOT_FOUND')
    return response.ok
  }

  private async flushUpstream(): Promise<void> {
    if (this.sending) return
    this.sending = true
    let delay = RETRY_MIN_MS
    try {
      while (this.outgoing.length > 0 && this.readyState === HttpFallbackSocket.OPEN) {
        const batch = this.outgoing.slice(0, MAX_FRAMES_PER_POST)
        const encoder = encoding.createEncoder()
        for (const frame of batch) encoding.writeVarUint8Array(encoder, frame)
        const response = await this.fetch(this.url(FALLBACK_ROUTES.SEND, FALLBACK_PARAMS.SEQ, this.upstreamSeq + 1), {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
          body: encoding.toUint8Array(encoder),
          signal: this.stopped.signal,
        }).catch(() => undefined)
        const refused = response === undefined ? undefined : await refusalOf(response)
        if (response !== undefined && (response.status === 404 || response.status === 409)) {
          this.end(ERROR_CODES.FALLBACK_CONNECTION_NOT_FOUND.closeCode, 'FALLBACK_CONNECTION_NOT_FOUND')
        } else if (refused !== undefined) {
          // Sending the same frames again would be refused again (e.g. 413 MESSAGE_TOO_LARGE): end like a WebSocket would.
          this.end(ERROR_CODES[refused].closeCode, refused)
        } else if (response?.ok === true) {
          this.outgoing.splice(0, batch.length)
          this.upstreamSeq += batch.length
          delay = RETRY_MIN_MS
        } else {
          // Same seq again: the server applies each frame once (PROTOCOL.md §7.4).
          await wait(delay, this.stopped.signal)
          delay = Math.min(delay * 2, RETRY_MAX_MS)
        }
      }
    } finally {
      this.sending = false
    }
  }
}

/** The error code of an answer that no retry can change (a 4xx carrying a code that is not retryable), if any. */
async function refusalOf(response: Response): Promise<ErrorCode | undefined> {
  if (response.status < 400 || response.status >= 500 || response.status === 404 || response.status === 409)
    return undefined
  const body: unknown = await response.json().catch(() => undefined) // reason: a proxy's own error page is retried
  const code =
    typeof body === 'object' && body !== null && 'error' in body
      ? (body.error as { code?: unknown } | null)?.code
      : undefined
  return isErrorCode(code) && !ERROR_CODES[code].retryable ? code : undefined
}

function fromBase64(base64: string): Uint8Array {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  return bytes
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start: (controller) => {
      controller.close()
    },
  })
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener on `signal` either way. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
