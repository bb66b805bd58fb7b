/**
 * The retention sweep (PROTOCOL.md §13): every `sweepEveryMs` it pages through the sessions, least recently written
 * first (reading only those written since it last read them), archives each one that has been finished for its
 * `archiveAfterSeconds` (or is due for deletion) unless the archive already holds that version, and erases each one finished for its `deleteAfterSeconds` through the same path as
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
  /** Sessions listed per page; a sweep pages through every session not written since it started (default 500). */
  readonly pageSize?: number
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
  /**
   * Resolves once no archive step of the session (its check, read and write) is running on this node: an owner's
   * `DELETE` waits for it before its last removal of the archive, so a sweep of this node leaves no copy behind.
   */
  settled(sessionId: string): Promise<void>
  /** Starts no further sweep and resolves when the running one, if any, has finished (its failures were logged). */
  stop(): Promise<void>
}

/** Default number of sessions listed per page of a sweep. */
const DEFAULT_PAGE_SIZE = 500

/** Most sessions whose periods and open state the sweep remembers between sweeps (others are read again). */
const MAX_REMEMBERED_SESSIONS = 100_000

/** What the sweep remembers of a session version it has read. */
interface Looked {
  readonly updatedAt: number
  readonly periods: RetentionPeriods
  readonly open: boolean
}

/** Creates the sweep; it runs only when `sweep` is called (the server calls it on a timer). */
export function createRetentionSweeper(options: RetentionSweeperOptions): RetentionSweeper {
  const { log, defaults, archive, logger, count } = options
  const now = options.now ?? Date.now
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE
  let running: Promise<RetentionSweepReport> | undefined
  let stopped = false
  /** The versions read by the last sweep: an unchanged session is not read again. */
  let remembered = new Map<string, Looked>()

  const due = (seconds: number | undefined, idleMs: number): boolean =>
    seconds !== undefined && idleMs >= seconds * 1000

  /** Whether the session still has the version `record` lists (not written to, not erased, since). */
  const unchanged = async (record: SessionRecord): Promise<boolean> =>
    (await log.getSession(record.id))?.updatedAt === record.updatedAt

  /** The session's document as of `record`, or undefined when it changed or went while it was read. */
  const read = async (record: SessionRecord): Promise<(Looked & { transcript: TranscriptView }) | undefined> => {
    const { transcript, periods } = await options.readSession(record.id)
    if (!(await unchanged(record))) return undefined
    const open =
      transcript.messages.some((message) => message.status === 'streaming') ||
      transcript.runs.some((entry) => entry.state === 'running')
    return { updatedAt: record.updatedAt, periods: { ...defaults, ...periods }, open, transcript }
  }

  /** Per session, the archive step running now. */
  const archiving = new Map<string, Promise<unknown>>()

  /** Archives `record`'s version unless the archive holds it; true when this call wrote it. */
  const archiveVersion = (record: SessionRecord, at: number, transcript?: TranscriptView): Promise<boolean> => {
    const step = archiveStep(record, at, transcript)
    const tracked: Promise<unknown> = step
      .catch(() => undefined) // reason: the sweep reports the step's failure; a waiting DELETE only waits
      .finally(() => {
        if (archiving.get(record.id) === tracked) archiving.delete(record.id)
      })
    archiving.set(record.id, tracked)
    return step
  }
  const archiveStep = async (record: SessionRecord, at: number, transcript?: TranscriptView): Promise<boolean> => {
    if (archive === undefined || (await archive.archivedVersion(record.id)) === record.updatedAt) return false
    const current = transcript ?? (await read(record))?.transcript
    // Checked inside the step (by `read` when it reads the session here): a DELETE that erased the session before this
    // check finds no write of it to wait for.
    if (current === undefined || (transcript !== undefined && !(await unchanged(record)))) return false
    return archive.write({ record, transcript: current, archivedAt: at })
  }

  const consider = async (
    record: SessionRecord,
    at: number,
    seen: Map<string, Looked>,
  ): Promise<'archived' | 'deleted' | 'archived-deleted' | 'failed' | 'kept'> => {
    const sessionId = record.id
    const idleMs = at - record.updatedAt
    const known = remembered.get(sessionId)
    const fresh = known?.updatedAt === record.updatedAt ? undefined : await read(record)
    const looked = fresh ?? known
    if (looked === undefined) return 'kept'
    if (seen.size < MAX_REMEMBERED_SESSIONS) seen.set(sessionId, looked)
    // A live reply writes at least once per run lease, so an open reply idle for longer than that was abandoned.
    if (looked.open && idleMs < options.runLeaseMs) return 'kept'
    const deleteDue = due(looked.periods.deleteAfterSeconds, idleMs)
    let archivedNow = false
    if (deleteDue || due(looked.periods.archiveAfterSeconds, idleMs)) {
      try {
        archivedNow = await archiveVersion(record, at, fresh?.transcript)
      } catch (error) {
        logger.warn({ event: 'retention-archive-failed', sessionId, err: error }, 'session archive failed; kept')
        return 'failed'
      }
      if (archivedNow)
        logger.info(
          { event: 'retention-archived', sessionId, archive: archive?.kind, updatedAt: record.updatedAt },
          'session archived',
        )
    }
    // Erase only the version that was archived: a write since the listing makes the session unfinished again.
    if (!deleteDue || !(await unchanged(record))) return archivedNow ? 'archived' : 'kept'
    if (archive !== undefined && (await archive.archivedVersion(sessionId)) !== record.updatedAt)
      return archivedNow ? 'archived' : 'kept'
    await options.eraseSession(sessionId)
    logger.info({ event: 'retention-deleted', sessionId, updatedAt: record.updatedAt }, 'session expired and erased')
    return archivedNow ? 'archived-deleted' : 'deleted'
  }

  /** Removes what crashed archive writes left behind; a failure is logged and the sweep goes on. */
  const clean = async (at: number): Promise<void> => {
    if (archive === undefined) return
    try {
      const removed = await archive.clean(at)
      if (removed > 0)
        logger.info(
          { event: 'retention-temporary-removed', archive: archive.kind, removed },
          'removed files of archive writes that never finished',
        )
    } catch (error) {
      logger.warn({ event: 'retention-clean-failed', archive: archive.kind, err: error }, 'archive clean-up failed')
    }
  }

  const run = async (): Promise<RetentionSweepReport> => {
    const at = now()
    await clean(at)
    const archived: string[] = []
    const deleted: string[] = []
    const failed: string[] = []
    const seen = new Map<string, Looked>()
    let examined = 0
    let after: SessionRecord | undefined
    for (;;) {
      const page = await log.listIdleSessions({
        updatedBefore: at,
        limit: pageSize,
        ...(after === undefined ? {} : { after: { updatedAt: after.updatedAt, id: after.id } }),
      })
      for (const record of page) {
        if (stopped) break
        examined++
        try {
          const outcome = await consider(record, at, seen)
          if (outcome === 'archived' || outcome === 'archived-deleted') {
            archived.push(record.id)
            count('archived')
          }
          if (outcome === 'deleted' || outcome === 'archived-deleted') {
            deleted.push(record.id)
            count('deleted')
          }
          if (outcome === 'failed') {
            failed.push(record.id)
            count('failed')
          }
        } catch (error) {
          failed.push(record.id)
          count('failed')
          logger.warn({ event: 'retention-failed', sessionId: record.id, err: error }, 'retention step failed; kept')
        }
      }
      after = page.at(-1)
      if (stopped || page.length < pageSize) break
    }
    remembered = seen
    const report = { examined, archived, deleted, failed }
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
    async settled(sessionId) {
      await archiving.get(sessionId)
    },
    async stop() {
      stopped = true
      await running?.catch(() => undefined) // reason: the timer that started it reported its failure
    },
  }
}
