/**
 * FallbackConnection: the WebSocket-like object (`send`, `close`, `readyState`) that Hocuspocus'
 * `handleConnection` receives for an HTTP fallback client. Frames Hocuspocus sends get consecutive seqs and stay
 * in an outbox until the client confirms it holds them (`after`), so a cut stream or a lost poll answer is
 * replayed without loss or repeats. Upstream frames are applied once each, in seq order.
 */
import { CLOSE_CODES } from '../../../shared/protocol/close-codes.ts'

/** One downstream frame. */
export interface OutboxFrame {
  readonly seq: number
  readonly data: Uint8Array
}

/** A listener for new frames and for the close. */
export interface DownstreamListener {
  frame(frame: OutboxFrame): void
  close(code: number, reason: string): void
}

/** The connection as the transport sees it. */
export interface FallbackConnection {
  readonly id: string
  /** WebSocket readyState: 1 open, 3 closed. */
  readonly readyState: number
  /** Close code and reason once closed. */
  readonly closed: { code: number; reason: string } | undefined
  /** Hocuspocus side: queue a frame for the client. */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void
  /** Hocuspocus side (or idle expiry): end the connection. */
  close(code?: number, reason?: string): void
  /** Releases frames up to `after` and returns the rest. */
  framesAfter(after: number): OutboxFrame[]
  /** Attaches the downstream (replacing an older one); returns its detach function. */
  attach(listener: DownstreamListener): () => void
  /** Whether a downstream is attached. */
  readonly attached: boolean
  /**
   * Accepts upstream frames whose first seq is `firstSeq`; returns the frames not seen before, in order.
   * @returns undefined when `firstSeq` leaves a gap (the client must resend from the next expected seq)
   */
  acceptUpstream(firstSeq: number, frames: readonly Uint8Array[]): Uint8Array[] | undefined
  /** Highest upstream seq accepted. */
  readonly upstreamSeq: number
}

/** Creates an open connection. */
export function createFallbackConnection(id: string): FallbackConnection {
  let outbox: OutboxFrame[] = []
  let nextSeq = 1
  let upstreamSeq = 0
  let listener: DownstreamListener | undefined
  let closed: { code: number; reason: string } | undefined

  return {
    id,
    get readyState() {
      return closed === undefined ? 1 : 3
    },
    get closed() {
      return closed
    },
    get attached() {
      return listener !== undefined
    },
    get upstreamSeq() {
      return upstreamSeq
    },
    send(data) {
      if (closed !== undefined) return
      const frame = { seq: nextSeq++, data: toBytes(data) }
      outbox.push(frame)
      listener?.frame(frame)
    },
    close(code: number = CLOSE_CODES.NORMAL, reason = '') {
      if (closed !== undefined) return
      closed = { code, reason }
      listener?.close(code, reason)
    },
    framesAfter(after) {
      outbox = outbox.filter((frame) => frame.seq > after)
      return outbox
    },
    attach(next) {
      listener = next
      return () => {
        if (listener === next) listener = undefined
      }
    },
    acceptUpstream(firstSeq, frames) {
      if (firstSeq > upstreamSeq + 1) return undefined
      const fresh = frames.slice(upstreamSeq + 1 - firstSeq)
      upstreamSeq = Math.max(upstreamSeq, firstSeq + frames.length - 1)
      return fresh
    },
  }
}

function toBytes(data: string | ArrayBufferLike | Blob | ArrayBufferView): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) return new Uint8Array(data).slice()
  throw new Error('invariant violated: Hocuspocus sent a Blob')
}
