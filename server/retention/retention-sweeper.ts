/**
 * The retention sweep (PROTOCOL.md §13): every `sweepEveryMs` it looks at the sessions least recently written to,
 * archives each one that has been finished for its `archiveAfterSeconds` (or is due for deletion) unless the archive
 * already holds that version, and erases each one finished for its `deleteAfterSeconds` through the same path as
 * `DELETE /v1/sessions/:id`, but only once its archive is written: a failed archive keeps the session, and the next
 * sweep tries again. Every step is idempotent, so a sweep that stopped half-way, or two nodes sweeping one store,
 * converge on the same result.
 */
import type { Logger } from 'pino'
import type { RetentionPeriods } from '../../shared/session/retention-periods.ts'
import type { TranscriptView } from '../../shared/session/session-schema.ts'
import type { SessionRecord, UpdateLog } from '../persistence/update-log.ts'
import type { SessionArchive } from './session-archive.ts'

/** What the sweep reads of a session's document. */
export interface RetainedSession {
  readonly transcript: TranscriptView
  /** The session's own periods (`meta.retention`), if it has any. */
  readonly periods: RetentionPeriods | undefined
}

/** Options of {@link createRetentionSweeper}. */
export interface RetentionSweeperOptions {
  readonly log: Pick<UpdateLog, 'listIdleSessions' | 'getSession'>
  /** Periods of sessions that carry none of their own. */
  readonly defaults: RetentionPeriods
  /** Where finished sessions are archived; unset: sessions are erased without an archive. */
  readonly archive: SessionArchive | undefined
  /** Reads a session's transcript and own periods (read-session-doc.ts). */
  readonly readSession: (sessionId: string) => Promise<RetainedSession>
  /** Erases a session as `DELETE /v1/sessions/:id` does, and records it (security event, metric, log). */
  readonly eraseSession: (sessionId: string) => Promise<void>
  /** A reply still streaming counts as open only while the session was written within this long, in ms (the run lease). */
  readonly runLeaseMs: number
  /** Clock, epoch ms (default Date.now): the same clock as the stores' `updatedAt`. */
  readonly now?: () => number
  /** Sessions looked at per sweep, least recently written first (default 1000). */
  readonly maxSessionsPerSweep?: number
  readonly logger: Logger
  /** Counts each archived version and each erased session. */
  readonly count: (step: 'archived' | 'deleted' | 'failed') => void
}

/** What one sweep did. */
export interface RetentionSweepReport {
  /** Sessions looked at. */
  readonly examined: number
  /** Sessions archived by this sweep. */
  readonly archived: readonly string[]
  /** Sessions erased by this sweep. */
  readonly deleted: readonly string[]
  /** Sessions whose archive failed: kept, tried again by the next sweep. */
  readonly failed: readonly string[]
}

/** The retention sweep of one node. */
export interface RetentionSweeper {
  /** Runs one sweep now (joining the running one, if any). */
  sweep(): Promise<RetentionSweepReport>
  /** Starts no further sweep and resolves when the running one, if any, has finished (its failures were logged). */
  stop(): Promise<void>
}

/** Default number of sessions one sweep looks at. */
const DEFAULT_MAX_SESSIONS_PER_SWEEP = 1000

/** Creates the sweep; it runs only when `sweep` is called (the server calls it on a timer). */
export function createRetentionSweeper(options: RetentionSweeperOptions): RetentionSweeper {
  const { log, defaults, archive, logger, count } = options
  const now = options.now ?? Date.now
  const limit = options.maxSessionsPerSweep ?? DEFAULT_MAX_SESSIONS_PER_SWEEP
  let running: Promise<RetentionSweepReport> | undefined
  let stopped = false

  const due = (seconds: number | undefined, idleMs: number): boolean =>
    seconds !== undefined && idleMs >= seconds * 1000

  const archiveVersion = async (record: SessionRecord, transcript: TranscriptView, at: number): Promise<boolean> => {
    if (archive === undefined || (await archive.archivedVersion(record.id)) === record.updatedAt) return false
    await archive.write({ record, transcript, archivedAt: at })
    // A DELETE that ran meanwhile removed the archive before erasing the session: leave no copy of it behind.
    if ((await log.getSession(record.id)) === undefined) {
      await archive.remove(record.id)
      return false
    }
    return true
  }

  const run = async (): Promise<RetentionSweepReport> => {
    const at = now()
    const candidates = await log.listIdleSessions({ updatedBefore: at, limit })
    const archived: string[] = []
    const deleted: string[] = []
    const failed: string[] = []
    for (const record of candidates) {
      const sessionId = record.id
      const idleMs = at - record.updatedAt
      try {
        const { transcript, periods: own } = await options.readSession(sessionId)
        const periods = { ...defaults, ...own }
        const open =
          transcript.messages.some((message) => message.status === 'streaming') ||
          transcript.runs.some((entry) => entry.state === 'running')
        // A live reply writes at least once per run lease, so an open reply idle for longer than that was abandoned.
        if (open && idleMs < options.runLeaseMs) continue
        const deleteDue = due(periods.deleteAfterSeconds, idleMs)
        if (deleteDue || due(periods.archiveAfterSeconds, idleMs)) {
          try {
            if (await archiveVersion(record, transcript, at)) {
              archived.push(sessionId)
              count('archived')
              logger.info(
                { event: 'retention-archived', sessionId, archive: archive?.kind, updatedAt: record.updatedAt },
                'session archived',
              )
            }
          } catch (error) {
            failed.push(sessionId)
            count('failed')
            logger.warn({ event: 'retention-archive-failed', sessionId, err: error }, 'session archive failed; kept')
            continue
          }
        }
        if (!deleteDue) continue
        // A write since the listing makes the session unfinished again.
        if ((await log.getSession(sessionId))?.updatedAt !== record.updatedAt) continue
        await options.eraseSession(sessionId)
        deleted.push(sessionId)
        count('deleted')
        logger.info(
          { event: 'retention-deleted', sessionId, updatedAt: record.updatedAt },
          'session expired and erased',
        )
      } catch (error) {
        failed.push(sessionId)
        count('failed')
        logger.warn(
          { event: 'retention-failed', sessionId, err: error },
          'retention step failed; tried again next sweep',
        )
      }
    }
    const report = { examined: candidates.length, archived, deleted, failed }
    const changed = archived.length + deleted.length + failed.length > 0
    logger[changed ? 'info' : 'debug']({ event: 'retention-sweep', ...report }, 'retention sweep done')
    return report
  }

  return {
    sweep() {
      if (stopped) return Promise.resolve({ examined: 0, archived: [], deleted: [], failed: [] })
      running ??= run().finally(() => {
        running = undefined
      })
      return running
    },
    async stop() {
      stopped = true
      await running?.catch(() => undefined) // reason: the timer that started it reported its failure
    },
  }
}
