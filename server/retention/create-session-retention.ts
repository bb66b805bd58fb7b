/**
 * createSessionRetention: the session server's retention (PROTOCOL.md §13) put together — the checked options, the
 * archive they name, the sweep reading sessions through read-session-doc.ts and erasing them through the session
 * eraser (reported as a `session-deleted` security event with action `expire`), and the sweep's timer.
 */
import type { Hocuspocus } from '@hocuspocus/server'
import type { Logger } from 'pino'
import { RETENTION_META_KEY, storedRetentionPeriods } from '../../shared/session/retention-periods.ts'
import { getSessionRoots, readTranscript } from '../../shared/session/session-doc.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'
import { sessionDeleted } from '../extensions/session-deleted.ts'
import type { UpdateLog } from '../persistence/update-log.ts'
import { readSessionDoc } from '../read-session-doc.ts'
import { createRetentionSweeper, type RetentionSweepReport } from './retention-sweeper.ts'
import { openSessionRetention, type SessionRetentionOptions } from './session-retention-options.ts'

/** What retention needs of the server. */
export interface SessionRetentionDependencies {
  readonly hocuspocus: Hocuspocus
  readonly log: UpdateLog
  /** Erases a session on every node, as `DELETE /v1/sessions/:id` does (session-eraser.ts). */
  readonly erase: (sessionId: string) => Promise<void>
  readonly onSecurityEvent: SecurityEventListener
  readonly runLeaseMs: number
  readonly logger: Logger
  readonly count: (step: 'archived' | 'deleted' | 'failed') => void
  /** Receives failures of timer-driven sweeps. */
  readonly onError: (error: unknown) => void
}

/** A server's running retention. */
export interface SessionRetention {
  /** Runs one sweep now (joining the running one). */
  sweep(): Promise<RetentionSweepReport>
  /**
   * Removes the session's archived copy, if any (an owner's DELETE, PROTOCOL.md §13.4); with `afterSweep`, once no
   * archive step of this node's sweep is running for the session (the removal after the erasure).
   */
  removeArchived(sessionId: string, options?: { readonly afterSweep?: boolean }): Promise<void>
  /** Stops the timer, waits for a running sweep and closes the archive. */
  close(): Promise<void>
}

/** The principal named in security events of sessions the retention sweep erased. */
const RETENTION_PRINCIPAL = 'retention'

/**
 * Opens the archive and starts sweeping every `sweepEveryMs`.
 * @throws SessionError BAD_REQUEST for bad periods or names; PERSISTENCE_FAILED when the PostgreSQL archive is unreachable
 */
export async function createSessionRetention(
  options: SessionRetentionOptions,
  dependencies: SessionRetentionDependencies,
): Promise<SessionRetention> {
  const { hocuspocus, log, onSecurityEvent } = dependencies
  const { defaults, archive, sweepEveryMs } = await openSessionRetention(options)
  const sweeper = createRetentionSweeper({
    log,
    defaults,
    archive,
    readSession: (sessionId) =>
      readSessionDoc(hocuspocus, log, sessionId, (doc) => ({
        transcript: readTranscript(sessionId, doc),
        periods: storedRetentionPeriods(getSessionRoots(doc).meta.get(RETENTION_META_KEY)),
      })),
    eraseSession: async (sessionId) => {
      await dependencies.erase(sessionId)
      onSecurityEvent({
        kind: 'session-deleted',
        sessionId,
        principalId: RETENTION_PRINCIPAL,
        action: 'expire',
        outcome: 'allowed',
        error: sessionDeleted(sessionId),
      })
    },
    runLeaseMs: dependencies.runLeaseMs,
    logger: dependencies.logger,
    count: dependencies.count,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
  })
  const timer = setInterval(() => {
    sweeper.sweep().catch(dependencies.onError)
  }, sweepEveryMs)
  timer.unref()

  return {
    sweep: () => sweeper.sweep(),
    removeArchived: async (sessionId, { afterSweep = false } = {}) => {
      if (afterSweep) await sweeper.settled(sessionId)
      await archive?.remove(sessionId)
    },
    async close() {
      clearInterval(timer)
      await sweeper.stop()
      await archive?.close()
    },
  }
}
