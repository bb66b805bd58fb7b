/**
 * Budgets extension (PROTOCOL.md §10.4, §10.5): what a connection may make the server send, and how fast a principal
 * may add messages and steers.
 *
 * - Sync answers. Every sync step 1 is answered with what the asker lacks, which for an empty state vector is the
 *   whole session. The answer's size is first estimated (sync-answer-sizer.ts): when the connection's bucket or its
 *   principal's (principal-budgets.ts) cannot pay the estimate, nothing is encoded. Otherwise this extension answers
 *   the step 1 itself, before Hocuspocus reads it (beforeHandleMessage): it encodes the answer from the delete set it
 *   keeps per document version (sync-answer-encoder.ts) — Hocuspocus would rebuild it from every struct — charges
 *   both buckets the bytes it sends, sends the frames Hocuspocus would send, and turns the frame into a
 *   QueryAwareness frame, which Hocuspocus handles without answering (with no reply channel it sends nothing). This
 *   is the same trick as a held-back update (update-refusals.ts): Hocuspocus offers no hook that answers a frame. A
 *   step 1 it cannot read that way (a type written in more than one byte) reaches Hocuspocus, charged by its estimate.
 * - Messages and steers. New `messages` and `steering` entries of each update are counted (count-new-entries.ts) and
 *   charged to the principal's buckets, shared with its HTTP appends. Governance calls `chargeUpdate` as the last
 *   check of its scratch try (govern-updates.ts): updates it refuses or defers are not charged, and a refused charge
 *   rolls the scratch copy back and binds no clientID, before the durable log stores anything.
 *
 * Either refusal closes the connection with RATE_LIMITED (retryable), after a close notice (close-notice.ts) that
 * carries the limit met and `retryAfterMs`; nothing is answered, stored or applied for the refused frame. Without
 * auth every connection is its own principal.
 */
import type { Connection, Extension, beforeHandleMessagePayload, beforeSyncPayload } from '@hocuspocus/server'
import * as Y from 'yjs'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { SessionLimits } from '../../shared/limits/session-limits.ts'
import { encodeCloseNotice } from '../../shared/protocol/close-notice.ts'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { principalOf } from '../auth/connection-principal.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'
import { chargeNewEntries, type EntryRateLimits } from '../limits/charge-new-entries.ts'
import { countNewEntries, NO_NEW_ENTRIES, type NewEntries } from '../limits/count-new-entries.ts'
import type { PrincipalBudgets, PrincipalLease } from '../limits/principal-budgets.ts'
import { createSyncAnswerEncoder, type SyncAnswerEncoder } from '../limits/sync-answer-encoder.ts'
import { createSyncAnswerSizer, type SyncAnswerSizer } from '../limits/sync-answer-sizer.ts'
import { encodeSyncFrame, readSyncStep1Frame } from '../limits/sync-step1-frame.ts'
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
  /** Estimates sync answers (default: a sizer of its own, sharing the encoder's delete sets). */
  readonly sizeAnswer?: SyncAnswerSizer
  /** Encodes sync answers (default: an encoder of its own). */
  readonly encodeAnswer?: SyncAnswerEncoder
}

/** The budgets of one server. */
export interface EnforceBudgets {
  /** The Hocuspocus extension: charges and sends sync answers (priority ENFORCE_BUDGETS). */
  readonly extension: Extension
  /**
   * Charges the new entries of an accepted update (sync step 2 or update) to its principal; nothing when it has none.
   * @throws CloseError RATE_LIMITED when the principal cannot pay now: the refusal is reported, the close notice
   *   sent and the connection closed already
   */
  chargeUpdate(data: beforeSyncPayload): void
}

/** What the budgets read of a hook's payload. */
type HookPayload = Pick<beforeSyncPayload, 'connection' | 'document' | 'documentName' | 'context'>

/** What one connection has left. */
interface ConnectionBudget {
  readonly syncBytes: TokenBucket
  readonly principal: PrincipalLease
}

/** Creates the budgets. */
export function createEnforceBudgets(options: EnforceBudgetsOptions): EnforceBudgets {
  const { limits, principals } = options
  const encodeAnswer = options.encodeAnswer ?? createSyncAnswerEncoder()
  const sizeAnswer = options.sizeAnswer ?? createSyncAnswerSizer({ deleteSetOf: encodeAnswer.deleteSet })
  const budgets = new WeakMap<Connection, ConnectionBudget>()

  /**
   * The budget of `connection`, created at its first charge. Its principal lease is released when the connection
   * closes; a connection already gone from its document (frames Hocuspocus still handles after a close) will see no
   * close, so its lease is released at once: the buckets stay charged, and the principal's entry is swept once full.
   */
  const budgetOf = ({ connection, document, context }: HookPayload): ConnectionBudget => {
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

  const refuse = ({ connection, documentName, context }: HookPayload, error: SessionError): CloseError => {
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

  /**
   * Charges an answer of about `estimate` bytes when both buckets can pay it: the bytes `encode` returns (the frames
   * to send, never more than the estimate) when given, else the estimate.
   * @returns the frames `encode` returned, when given
   * @throws CloseError RATE_LIMITED when either bucket cannot pay the estimate now, after closing the connection
   */
  const chargeSyncAnswer = <T>(
    data: HookPayload,
    estimate: number,
    encode?: () => { readonly bytes: number; readonly frames: T },
  ): T | undefined => {
    const budget = budgetOf(data)
    const principalBytes = budget.principal.buckets.syncBytes
    const connectionWait = budget.syncBytes.waitMs(estimate)
    const principalWait = principalBytes.waitMs(estimate)
    const retryAfterMs = Math.max(connectionWait, principalWait)
    if (retryAfterMs === 0) {
      const encoded = encode?.()
      // Never above the estimate both buckets were checked against, so the charge cannot fail now.
      const bytes = Math.min(encoded?.bytes ?? estimate, estimate)
      chargeAll([
        { bucket: budget.syncBytes, cost: bytes },
        { bucket: principalBytes, cost: bytes },
      ])
      return encoded?.frames
    }
    const scope = principalWait >= connectionWait ? 'principal' : 'connection'
    const [perSecond, burst] =
      scope === 'principal'
        ? [limits.principalSyncBytesPerSecond, limits.principalSyncByteBurst]
        : [limits.syncBytesPerSecond, limits.syncByteBurst]
    throw refuse(
      data,
      new SessionError(
        'RATE_LIMITED',
        `answering this sync step 1 (about ${estimate} bytes) is over this ${scope}'s sync budget; retry in ${retryAfterMs} ms`,
        {
          details: {
            limit: 'sync-bytes',
            scope,
            bytes: estimate,
            perSecond,
            burst,
            retryAfterMs,
            sessionId: data.documentName,
          },
        },
      ),
    )
  }

  /** The estimate of the answer to `stateVector`; undefined when it does not decode (Hocuspocus' read of it fails). */
  const estimateOf = (data: HookPayload, stateVector: Uint8Array): number | undefined => {
    try {
      return sizeAnswer(data.document, stateVector)
    } catch {
      return undefined // reason: a state vector that does not decode ends the connection in Hocuspocus' own read
    }
  }

  /** Answers the sync step 1 in `data.update` (when it is one) and turns the frame into one Hocuspocus does not answer. */
  const answerSyncStep1 = (data: beforeHandleMessagePayload): void => {
    const step1 = readSyncStep1Frame(data.update)
    if (step1 === undefined) return
    const estimate = estimateOf(data, step1.stateVector)
    if (estimate === undefined) return
    const { connection, document } = data
    const frames = chargeSyncAnswer(data, estimate, () => {
      // Hocuspocus sends its own step 1 first, then the step 2.
      const own = encodeSyncFrame(connection.messageAddress, SYNC_MESSAGE_TYPE.STEP1, Y.encodeStateVector(document))
      const answer = encodeSyncFrame(
        connection.messageAddress,
        SYNC_MESSAGE_TYPE.STEP2,
        encodeAnswer.answer(document, step1.stateVector),
      )
      return { bytes: own.byteLength + answer.byteLength, frames: [own, answer] }
    })
    for (const frame of frames ?? []) connection.send(frame)
    data.update[step1.typeOffset] = MESSAGE_TYPE.QUERY_AWARENESS
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
      async beforeHandleMessage(data: beforeHandleMessagePayload) {
        answerSyncStep1(data)
      },
      async beforeSync(data: beforeSyncPayload) {
        if (data.type !== SYNC_MESSAGE_TYPE.STEP1) return
        const estimate = estimateOf(data, data.payload)
        if (estimate !== undefined) chargeSyncAnswer(data, estimate)
      },
    },
    chargeUpdate,
  }
}
