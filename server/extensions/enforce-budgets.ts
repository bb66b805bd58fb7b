/**
 * Budgets extension (PROTOCOL.md §10.4, §10.5): what a connection may make the server send, and how fast a principal
 * may add messages and steers.
 *
 * - Sync answers. Every sync step 1 is answered with what the asker lacks, which for an empty state vector is the
 *   whole session. Before Hocuspocus answers, the answer's size is estimated (sync-answer-sizer.ts) and charged to the
 *   connection's bucket and to its principal's (principal-budgets.ts).
 * - Messages and steers. New `messages` and `steering` entries of each update are counted (count-new-entries.ts) and
 *   charged to the principal's buckets, shared with its HTTP appends. Governance calls `chargeUpdate` as the last
 *   check of its scratch try (govern-updates.ts): updates it refuses or defers are not charged, and a refused charge
 *   rolls the scratch copy back and binds no clientID, before the durable log stores anything.
 *
 * Either refusal closes the connection with RATE_LIMITED (retryable), after a close notice (close-notice.ts) that
 * carries the limit met and `retryAfterMs`; nothing is answered, stored or applied for the refused frame. Without
 * auth every connection is its own principal.
 */
import type { Connection, Extension, beforeSyncPayload } from '@hocuspocus/server'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { SessionLimits } from '../../shared/limits/session-limits.ts'
import { encodeCloseNotice } from '../../shared/protocol/close-notice.ts'
import { SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { principalOf } from '../auth/connection-principal.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'
import { chargeNewEntries, type EntryRateLimits } from '../limits/charge-new-entries.ts'
import { countNewEntries, NO_NEW_ENTRIES, type NewEntries } from '../limits/count-new-entries.ts'
import type { PrincipalBudgets, PrincipalLease } from '../limits/principal-budgets.ts'
import { createSyncAnswerSizer, type SyncAnswerSizer } from '../limits/sync-answer-sizer.ts'
import { chargeAll, createTokenBucket, type TokenBucket } from '../limits/token-bucket.ts'
import { CloseError } from '../transports/close-error.ts'
import { closeConnectionWith } from '../transports/transport-context.ts'
import { EXTENSION_PRIORITY } from './extension-priority.ts'

/** The limits read here. */
export type BudgetLimits = EntryRateLimits &
  Pick<SessionLimits, 'syncBytesPerSecond' | 'syncByteBurst' | 'principalSyncBytesPerSecond' | 'principalSyncByteBurst'>

/** Options of {@link createEnforceBudgets}. */
export interface EnforceBudgetsOptions {
  readonly limits: BudgetLimits
  readonly principals: PrincipalBudgets
  /** Receives each refusal (must not throw). */
  readonly onSecurityEvent: SecurityEventListener
  /** Clock of the per-connection buckets in ms (default performance.now). */
  readonly now?: () => number
  /** Estimates sync answers (default: a sizer of its own). */
  readonly sizeAnswer?: SyncAnswerSizer
}

/** The budgets of one server. */
export interface EnforceBudgets {
  /** The Hocuspocus extension: charges sync answers (priority ENFORCE_BUDGETS). */
  readonly extension: Extension
  /**
   * Charges the new entries of an accepted update (sync step 2 or update) to its principal; nothing when it has none.
   * @throws CloseError RATE_LIMITED when the principal cannot pay now: the refusal is reported, the close notice
   *   sent and the connection closed already
   */
  chargeUpdate(data: beforeSyncPayload): void
}

/** What one connection has left. */
interface ConnectionBudget {
  readonly syncBytes: TokenBucket
  readonly principal: PrincipalLease
}

/** Creates the budgets. */
export function createEnforceBudgets(options: EnforceBudgetsOptions): EnforceBudgets {
  const { limits, principals } = options
  const sizeAnswer = options.sizeAnswer ?? createSyncAnswerSizer()
  const budgets = new WeakMap<Connection, ConnectionBudget>()

  /**
   * The budget of `connection`, created at its first charge. Its principal lease is released when the connection
   * closes; a connection already gone from its document (frames Hocuspocus still handles after a close) will see no
   * close, so its lease is released at once: the buckets stay charged, and the principal's entry is swept once full.
   */
  const budgetOf = ({ connection, document, context }: beforeSyncPayload): ConnectionBudget => {
    const existing = budgets.get(connection)
    if (existing !== undefined) return existing
    const budget: ConnectionBudget = {
      syncBytes: createTokenBucket({
        capacity: limits.syncByteBurst,
        refillPerSecond: limits.syncBytesPerSecond,
        ...(options.now === undefined ? {} : { now: options.now }),
      }),
      principal: principals.acquire(principalOf(context)?.id),
    }
    budgets.set(connection, budget)
    if (document.hasConnection(connection))
      connection.onClose(() => {
        budget.principal.release()
      })
    else budget.principal.release()
    return budget
  }

  const refuse = ({ connection, documentName, context }: beforeSyncPayload, error: SessionError): CloseError => {
    const principal = principalOf(context)
    options.onSecurityEvent({
      kind: 'limit-exceeded',
      sessionId: documentName,
      ...(principal === undefined ? {} : { principalId: principal.id }),
      error,
    })
    connection.sendStateless(encodeCloseNotice(error))
    // Hocuspocus would only end the document's connection; closing the socket makes the client reconnect.
    closeConnectionWith(connection, error)
    return new CloseError(error)
  }

  const chargeSyncAnswer = (data: beforeSyncPayload): void => {
    let bytes: number
    try {
      bytes = sizeAnswer(data.document, data.payload)
    } catch {
      return // reason: a state vector that does not decode fails Hocuspocus' own read of it, which ends the connection
    }
    const budget = budgetOf(data)
    const principalBytes = budget.principal.buckets.syncBytes
    const retryAfterMs = chargeAll([
      { bucket: budget.syncBytes, cost: bytes },
      { bucket: principalBytes, cost: bytes },
    ])
    if (retryAfterMs === 0) return
    const scope = principalBytes.waitMs(bytes) >= budget.syncBytes.waitMs(bytes) ? 'principal' : 'connection'
    const [perSecond, burst] =
      scope === 'principal'
        ? [limits.principalSyncBytesPerSecond, limits.principalSyncByteBurst]
        : [limits.syncBytesPerSecond, limits.syncByteBurst]
    throw refuse(
      data,
      new SessionError(
        'RATE_LIMITED',
        `answering this sync step 1 (about ${bytes} bytes) is over this ${scope}'s sync budget; retry in ${retryAfterMs} ms`,
        {
          details: { limit: 'sync-bytes', scope, bytes, perSecond, burst, retryAfterMs, sessionId: data.documentName },
        },
      ),
    )
  }

  const chargeUpdate = (data: beforeSyncPayload): void => {
    // Observers' updates are not applied.
    if (data.connection.readOnly) return
    let entries: NewEntries
    try {
      entries = countNewEntries(data.document, data.payload)
    } catch {
      return // reason: an update that does not decode is refused by governance or the durable log, whose checks own it
    }
    if (entries === NO_NEW_ENTRIES) return
    const error = chargeNewEntries(budgetOf(data).principal.buckets, entries, limits)
    if (error !== undefined)
      throw refuse(
        data,
        new SessionError(error.code, error.message, { details: { ...error.details, sessionId: data.documentName } }),
      )
  }

  return {
    extension: {
      extensionName: 'lifeline-enforce-budgets',
      priority: EXTENSION_PRIORITY.ENFORCE_BUDGETS,
      async beforeSync(data: beforeSyncPayload) {
        if (data.type === SYNC_MESSAGE_TYPE.STEP1) chargeSyncAnswer(data)
      },
    },
    chargeUpdate,
  }
}
