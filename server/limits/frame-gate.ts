/**
 * The per-connection rate limit of PROTOCOL.md §10.2, applied by each transport to every inbound frame before
 * Hocuspocus sees it (awareness, auth and stateless frames included): one token bucket counts frames, one bytes.
 * The first frame over either closes the connection with RATE_LIMITED (retryable: the client reconnects and its
 * sync step 2 carries whatever was cut off, so nothing is lost and nothing half-applied); that frame and every
 * later one are dropped.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import type { SessionLimits } from '../../shared/limits/session-limits.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'
import { documentNameOf } from '../transports/find-frame-fault.ts'
import { readFrameHeader } from '../transports/read-frame-header.ts'
import { createTokenBucket } from './token-bucket.ts'

/** Options of {@link createFrameGate}. */
export interface FrameGateOptions {
  readonly limits: Pick<SessionLimits, 'framesPerSecond' | 'frameBurst' | 'bytesPerSecond' | 'byteBurst'>
  /** Closes the connection with the error's close code and code as reason. */
  readonly close: (error: SessionError) => void
  readonly onSecurityEvent: SecurityEventListener
  /** Clock in ms (default performance.now). */
  readonly now?: () => number
}

/** Returns true when an inbound frame may be handed on; false once the connection broke its rate limit. */
export type FrameGate = (frame: Uint8Array) => boolean

/** Creates the gate of one connection. */
export function createFrameGate(options: FrameGateOptions): FrameGate {
  const { limits } = options
  const clock = options.now === undefined ? {} : { now: options.now }
  const frames = createTokenBucket({ capacity: limits.frameBurst, refillPerSecond: limits.framesPerSecond, ...clock })
  const bytes = createTokenBucket({ capacity: limits.byteBurst, refillPerSecond: limits.bytesPerSecond, ...clock })
  let exceeded = false
  return (frame) => {
    if (exceeded) return false
    if (frames.take(1) && bytes.take(frame.byteLength)) return true
    exceeded = true
    const error = new SessionError('RATE_LIMITED', 'this connection sends faster than its rate limit', {
      details: { framesPerSecond: limits.framesPerSecond, bytesPerSecond: limits.bytesPerSecond },
    })
    options.onSecurityEvent({ kind: 'limit-exceeded', sessionId: sessionIdOf(frame), error })
    options.close(error)
    return false
  }
}

/** The session a frame names, without the provider's suffix ('' when the frame has no readable header). */
function sessionIdOf(frame: Uint8Array): string {
  const header = readFrameHeader(frame)
  return header === undefined ? '' : documentNameOf(header)
}
