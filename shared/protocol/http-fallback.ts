/**
 * Wire facts of the HTTP fallback transport (PROTOCOL.md §7): paths, query parameters, event names and timing
 * defaults. The fallback carries the same binary frames as the WebSocket: downstream as SSE events or long-poll
 * batches with per-connection sequence numbers, upstream as POSTs that are idempotent by sequence number.
 */

/** Paths of the fallback transport. */
export const FALLBACK_ROUTES = {
  /** GET: Server-Sent Events downstream (`hello`, then one `frame` event per server frame, `close`). */
  SSE: '/v1/http/sse',
  /** GET: long-poll downstream; answers a JSON batch of frames. */
  POLL: '/v1/http/poll',
  /** POST: upstream frames. */
  SEND: '/v1/http/send',
  /** POST: ends the connection. */
  CLOSE: '/v1/http/close',
  /** WebSocket: answers one probe frame then closes; tells a client that WebSockets get through again. */
  WEBSOCKET_PROBE: '/v1/ws-probe',
} as const

/** Query parameters of the fallback routes. */
export const FALLBACK_PARAMS = {
  /** Connection id chosen by the client: 16–64 characters of `A–Z a–z 0–9 _ -`. */
  CONNECTION_ID: 'cid',
  /** Downstream: highest frame seq the client holds (0 at first); frames up to it are released. */
  AFTER: 'after',
  /** Upstream: seq of the first frame in the body (frames count from 1). */
  SEQ: 'seq',
} as const

/** SSE event names. */
export const SSE_EVENTS = { HELLO: 'hello', FRAME: 'frame', CLOSE: 'close' } as const

/** The one frame the WebSocket probe route sends. */
export const WEBSOCKET_PROBE_FRAME = 'lifeline-probe'

/** Allowed connection ids. */
export const CONNECTION_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/

/** Server SSE comment interval: below the idle timeouts of common proxies (nginx 60 s, many LBs 30–60 s). */
export const FALLBACK_HEARTBEAT_MS = 10_000

/** Longest a long-poll waits for a frame before answering an empty batch. */
export const LONG_POLL_WAIT_MS = 20_000

/** A fallback connection with no request and no open stream for this long is closed. */
export const FALLBACK_IDLE_TIMEOUT_MS = 30_000

/** Long-poll answer body. `closed` is set once the server ended the connection. */
export interface PollBatch {
  readonly frames: ReadonlyArray<{ readonly seq: number; readonly data: string }>
  readonly closed?: { readonly code: number; readonly reason: string }
}
