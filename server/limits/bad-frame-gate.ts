/**
 * The bad-frame check of PROTOCOL.md §2.5, applied by each transport to every inbound frame before Hocuspocus sees
 * it (findFrameFault): a frame without a readable header closes the connection with BAD_FRAME at once, one naming an
 * invalid session id with INVALID_SESSION_ID; a frame with a header but a truncated, malformed or unknown body is
 * dropped, and the connection's next one after BAD_FRAME_BUDGET of them closes it with BAD_FRAME. Each is reported as a `bad-frame` security event whose `details.reason` says
 * what was wrong; once closed, every later frame of the connection is dropped.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import { BAD_FRAME_BUDGET } from '../../shared/protocol/bad-frame-reasons.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'
import { documentNameOf, findFrameFault } from '../transports/find-frame-fault.ts'
import type { FrameGate } from './frame-gate.ts'

/** Options of {@link createBadFrameGate}. */
export interface BadFrameGateOptions {
  /** Closes the connection with the error's close code and code as reason. */
  readonly close: (error: SessionError) => void
  readonly onSecurityEvent: SecurityEventListener
}

/** Creates the check of one connection: true when a frame may be handed on. */
export function createBadFrameGate(options: BadFrameGateOptions): FrameGate {
  let badFrames = 0
  let closed = false
  return (frame) => {
    if (closed) return false
    const fault = findFrameFault(frame)
    if (fault === undefined) return true
    badFrames++
    closed = fault.reason === 'NO_HEADER' || fault.reason === 'INVALID_SESSION_ID' || badFrames > BAD_FRAME_BUDGET
    const error = new SessionError(
      fault.reason === 'INVALID_SESSION_ID' ? 'INVALID_SESSION_ID' : 'BAD_FRAME',
      fault.message,
      {
        details: {
          reason: fault.reason,
          bytes: frame.byteLength,
          badFrames,
          budget: BAD_FRAME_BUDGET,
          closed,
          ...(fault.header === undefined ? {} : { type: fault.header.type }),
        },
      },
    )
    const sessionId =
      fault.header === undefined || fault.reason === 'INVALID_SESSION_ID' ? '' : documentNameOf(fault.header)
    options.onSecurityEvent({ kind: 'bad-frame', sessionId, error })
    if (closed) options.close(error)
    return false
  }
}
