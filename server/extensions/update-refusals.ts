/**
 * Refusing an inbound update in-band (PROTOCOL.md §8.3, §10.1). A refused sync step 2 or update frame is neither
 * stored nor applied: its connection is read-only while Hocuspocus handles that one frame, so the durable log skips it
 * and Hocuspocus answers `SyncStatus(false)` instead of applying it — the mechanism a deferred update (§8.3 rule 4)
 * uses too. The client gets one stateless `update-rejected` notice (shared/protocol/update-rejected-notice.ts) and
 * the connection stays open: a stock Hocuspocus provider reconnects on every close and would send the refused update
 * again in its sync step 2, over and over. Each connection may be refused MAX_REFUSED_UPDATES_PER_CONNECTION times;
 * the next refusal closes it with UPDATE_REJECTED (4422), so a client refused in a loop cannot burn the server's CPU.
 */
import type { Connection } from '@hocuspocus/server'
import { isUpdateRejectionReason } from '../../shared/auth/update-rejection.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { PolicySpan } from '../../shared/policy/message-policy.ts'
import {
  CAPABILITY_REFUSAL_REASONS,
  encodeUpdateRejectedNotice,
  LIMIT_REFUSAL_REASONS,
  MAX_REFUSED_UPDATES_PER_CONNECTION,
  type UpdateRejectedNotice,
} from '../../shared/protocol/update-rejected-notice.ts'
import { CloseError } from '../transports/close-error.ts'
import { closeConnectionWith } from '../transports/transport-context.ts'

/** The refusals of every connection of one server; each extension that refuses calls `release` after every frame. */
export interface UpdateRefusals {
  /**
   * Refuses the frame `connection` is handling because of `error` (UPDATE_REJECTED with `details.reason`,
   * UPDATE_TOO_LARGE, TEXT_TOO_LONG, AGENT_REPLY_FORBIDDEN, or POLICY_REJECTED with `details.action` and, to
   * redact, `details.messageId` and `details.spans`) and sends the notice. `clocks` (per clientID, the clock the refused structs
   * start at) are held back on this connection from now on (`held`).
   * @throws CloseError past the connection's refusal budget, after closing its socket with UPDATE_REJECTED
   */
  refuse(connection: Connection, error: SessionError, clocks?: ReadonlyMap<number, number>): void
  /** Holds back the frame `connection` is handling without a notice (a deferred update). */
  defer(connection: Connection): void
  /** True when the frame `connection` is handling was refused or deferred already. */
  holds(connection: Connection): boolean
  /**
   * Undefined until `connection` had an update refused; then, per clientID of its refused updates, the clock from
   * which its later updates repeat or build on a refused one (inspect-update.ts defers those without a notice).
   */
  held(connection: Connection): ReadonlyMap<number, number> | undefined
  /** Gives `connection` its own read-only flag back once the frame held back has been handled (Hocuspocus' afterHandleMessage). */
  release(connection: Connection): void
}

interface ConnectionRefusals {
  count: number
  readonly held: Map<number, number>
  /** The connection's own read-only flag while a frame is held back; undefined when none is. */
  heldReadOnly: boolean | undefined
}

/** Creates the refusal state of one server. */
export function createUpdateRefusals(): UpdateRefusals {
  const states = new WeakMap<Connection, ConnectionRefusals>()
  const stateOf = (connection: Connection): ConnectionRefusals => {
    let state = states.get(connection)
    if (state === undefined) {
      state = { count: 0, held: new Map(), heldReadOnly: undefined }
      states.set(connection, state)
    }
    return state
  }
  const hold = (connection: Connection): ConnectionRefusals => {
    const state = stateOf(connection)
    state.heldReadOnly ??= connection.readOnly
    // Hocuspocus applies nothing from a read-only connection and answers SyncStatus(false); the durable log skips it.
    connection.readOnly = true
    return state
  }

  return {
    refuse(connection, error, clocks = new Map()) {
      const state = hold(connection)
      state.count++
      for (const [clientId, clock] of clocks)
        state.held.set(clientId, Math.min(clock, state.held.get(clientId) ?? clock))
      connection.sendStateless(encodeUpdateRejectedNotice(toNotice(error)))
      if (state.count <= MAX_REFUSED_UPDATES_PER_CONNECTION) return
      const closing = new SessionError(
        'UPDATE_REJECTED',
        `more than ${MAX_REFUSED_UPDATES_PER_CONNECTION} refused updates on one connection`,
        {
          details: { ...error.details, refusals: state.count },
        },
      )
      closeConnectionWith(connection, closing)
      throw new CloseError(closing)
    },
    defer(connection) {
      hold(connection)
    },
    holds: (connection) => states.get(connection)?.heldReadOnly !== undefined,
    held(connection) {
      const state = states.get(connection)
      return state === undefined || state.count === 0 ? undefined : state.held
    },
    release(connection) {
      const state = states.get(connection)
      if (state?.heldReadOnly === undefined) return
      connection.readOnly = state.heldReadOnly
      state.heldReadOnly = undefined
    },
  }
}

function toNotice(error: SessionError): UpdateRejectedNotice {
  const { code, message } = error
  if (code === 'UPDATE_TOO_LARGE') return { code, reason: LIMIT_REFUSAL_REASONS.UPDATE_TOO_LARGE, message }
  if (code === 'TEXT_TOO_LONG') return { code, reason: LIMIT_REFUSAL_REASONS.TEXT_TOO_LONG, message }
  if (code === 'AGENT_REPLY_FORBIDDEN')
    return { code, reason: CAPABILITY_REFUSAL_REASONS.AGENT_REPLY_FORBIDDEN, message }
  if (code === 'POLICY_REJECTED') {
    const { action, messageId, spans, partType } = error.details
    if (action === 'redact' && typeof messageId === 'string' && Array.isArray(spans))
      return {
        code,
        reason: 'redact',
        message,
        messageId,
        spans: spans as PolicySpan[],
        ...(partType === 'reasoning' ? { partType } : {}),
      }
    return { code, reason: 'reject', message }
  }
  const reason = error.details.reason
  if (code !== 'UPDATE_REJECTED' || !isUpdateRejectionReason(reason))
    throw new Error(`invariant violated: ${code} is not a refusal`)
  return { code, reason, message }
}
