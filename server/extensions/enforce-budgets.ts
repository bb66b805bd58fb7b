/**
 * Budgets extension (PROTOCOL.md §10.4, §10.5): what a connection may make the server send, and how fast a principal
 * may add messages and steers.
 *
 * - Sync answers. Every sync step 1 is answered with what the asker lacks, which for an empty state vector is the
 *   whole session. Before Hocuspocus answers, the answer's size is estimated (sync-answer-sizer.ts) and charged to the
 *   connection's bucket and to its principal's (principal-budgets.ts).
 * - Messages and steers. New `messages` and `steering` entries of each update are counted (count-new-entries.ts) and
 *   charged to the principal's buckets, shared with its HTTP appends. It runs after governance, so updates that
 *   governance refuses or defers are not charged, and before the durable log, so a refused update is never stored.
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

/** What one connection has left. */
interface ConnectionBudget {
  readonly syncBytes: TokenBucket
  readonly principal: PrincipalLease
}

/** Creates the extension. */
export function createEnforceBudgets(options: EnforceBudgetsOptions): Extension {
  const { limits, principals } = options
  const sizeAnswer = options.sizeAnswer ?? createSyncAnswerSizer()
  const budgets = new WeakMap<Connection, ConnectionBudget>()

  const budgetOf = (connection: Connection, context: unknown): ConnectionBudget => {
    let budget = budgets.get(connection)
    if (budget === undefined) {
      const created: ConnectionBudget = {
        syncBytes: createTokenBucket({
          capacity: limits.syncByteBurst,
          refillPerSecond: limits.syncBytesPerSecond,
          ...(options.now === undefined ? {} : { now: options.now }),
        }),
        principal: principals.acquire(principalOf(context)?.id),
      }
      connection.onClose(() => {
        created.principal.release()
      })
      budgets.set(connection, created)
      budget = created
    }
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
    const budget = budgetOf(data.connection, data.context)
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

  const chargeEntries = (data: beforeSyncPayload): void => {
    // Observers' updates and deferred ones (governance made the connection read-only for them) are not applied.
    if (data.connection.readOnly) return
    let entries: NewEntries
    try {
      entries = countNewEntries(data.document, data.payload)
    } catch {
      return // reason: an update that does not decode is refused by governance or the durable log, whose checks own it
    }
    if (entries === NO_NEW_ENTRIES) return
    const error = chargeNewEntries(budgetOf(data.connection, data.context).principal.buckets, entries, limits)
    if (error !== undefined)
      throw refuse(
        data,
        new SessionError(error.code, error.message, { details: { ...error.details, sessionId: data.documentName } }),
      )
  }

  return {
    extensionName: 'lifeline-enforce-budgets',
    priority: EXTENSION_PRIORITY.ENFORCE_BUDGETS,
    async beforeSync(data: beforeSyncPayload) {
      if (data.type === SYNC_MESSAGE_TYPE.STEP1) chargeSyncAnswer(data)
      else if (data.type === SYNC_MESSAGE_TYPE.STEP2 || data.type === SYNC_MESSAGE_TYPE.UPDATE) chargeEntries(data)
    },
  }
}
