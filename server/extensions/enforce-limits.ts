/**
 * Limits extension (PROTOCOL.md §10.1): refuses a sync step 2 / update frame whose Yjs update is larger than
 * `maxUpdateBytes` before anything decodes, stores or applies it: UPDATE_TOO_LARGE, answered in-band like every
 * refused update (update-refusals.ts). It runs with and without auth; the text-length limit needs the scratch
 * replica and lives in govern-updates.
 * Right after a connection is established it announces `maxUpdateBytes` and `maxUserTextChars` in one stateless
 * frame (PROTOCOL.md §10.3), so the SDKs refuse an over-limit write before it reaches their document.
 * It also ignores the frames a closed connection still has queued in Hocuspocus (which keeps processing them after a
 * close): a connection closed for RATE_LIMITED must not go on writing, under a clientID its successor has taken, and
 * a presence announcement in flight when a page reloads must not bring its device back. Each such frame is turned into
 * a close message, which Hocuspocus ignores for a closed connection, so nothing it said is applied or answered and no
 * hook after this one reads it. Refusing them instead would make Hocuspocus log an error for every routine close
 * with frames in flight.
 */
import type {
  Extension,
  afterHandleMessagePayload,
  beforeHandleMessagePayload,
  beforeSyncPayload,
  connectedPayload,
} from '@hocuspocus/server'
import type { WriteLimits } from '../../shared/limits/session-limits.ts'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { encodeSessionLimitsAnnouncement } from '../../shared/protocol/session-limits-announcement.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { principalOf } from '../auth/connection-principal.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'
import { readLeadingClock } from '../limits/read-leading-clock.ts'
import { CloseError } from '../transports/close-error.ts'
import { readFrameHeader } from '../transports/read-frame-header.ts'
import { EXTENSION_PRIORITY } from './extension-priority.ts'
import type { UpdateRefusals } from './update-refusals.ts'

/** Options of {@link createEnforceLimits}. */
export interface EnforceLimitsOptions {
  readonly limits: WriteLimits
  /** Receives each violation (must not throw). */
  readonly onSecurityEvent: SecurityEventListener
  /** Answers an oversized update in-band. */
  readonly refusals: UpdateRefusals
  /** The server's presence timeout in ms, announced so clients renew presence at least every third of it. */
  readonly presenceTimeoutMs: number
  /** Announced when the server has a message policy (PROTOCOL.md §8.8): the trailing characters writers hold back. */
  readonly policyHoldBackChars?: number
}

/** Creates the extension. */
export function createEnforceLimits(options: EnforceLimitsOptions): Extension {
  const { maxUpdateBytes } = options.limits
  const announcement = encodeSessionLimitsAnnouncement(
    options.limits,
    options.presenceTimeoutMs,
    options.policyHoldBackChars,
  )
  return {
    extensionName: 'lifeline-enforce-limits',
    priority: EXTENSION_PRIORITY.ENFORCE_LIMITS,
    async connected({ connection }: connectedPayload) {
      connection.sendStateless(announcement)
    },
    async beforeHandleMessage({ connection, document, update }: beforeHandleMessagePayload) {
      if (document.hasConnection(connection)) return
      // Nothing of these frames was acknowledged: a client that reconnects sends what they carried again.
      const typeOffset = readFrameHeader(update)?.typeOffset
      if (typeOffset !== undefined) {
        update[typeOffset] = MESSAGE_TYPE.CLOSE
        return
      }
      // A type written in more bytes than any client writes it: refused, which empties the connection's queue.
      // Quiet: the hooks after this one print nothing (Hocuspocus still logs the connection's close with the error).
      throw new CloseError(new SessionError('CONNECTION_CLOSED', 'frames queued by a closed connection are dropped'), {
        quiet: true,
      })
    },
    async beforeSync({ type, payload, documentName, context, connection }: beforeSyncPayload) {
      if (type !== SYNC_MESSAGE_TYPE.STEP2 && type !== SYNC_MESSAGE_TYPE.UPDATE) return
      if (payload.byteLength <= maxUpdateBytes) return
      const leading = readLeadingClock(payload)
      const heldFrom = leading === undefined ? undefined : options.refusals.held(connection)?.get(leading.client)
      // The same oversized change again (its sync step 2 after its update frame): refused once, held back silently now.
      if (leading !== undefined && heldFrom !== undefined && leading.clock >= heldFrom)
        return options.refusals.defer(connection)
      const error = new SessionError(
        'UPDATE_TOO_LARGE',
        `an update of ${payload.byteLength} bytes is over the limit of ${maxUpdateBytes}`,
        {
          details: { bytes: payload.byteLength, maxUpdateBytes, sessionId: documentName },
        },
      )
      const principal = principalOf(context)
      options.onSecurityEvent({
        kind: 'limit-exceeded',
        sessionId: documentName,
        ...(principal === undefined ? {} : { principalId: principal.id }),
        error,
      })
      options.refusals.refuse(
        connection,
        error,
        leading === undefined ? undefined : new Map([[leading.client, leading.clock]]),
      )
    },
    async afterHandleMessage({ connection }: afterHandleMessagePayload) {
      options.refusals.release(connection)
    },
  }
}
