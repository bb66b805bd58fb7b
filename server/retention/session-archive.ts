/**
 * SessionArchive: where the retention sweep keeps a finished session before it erases it (PROTOCOL.md §13), and
 * the archived form itself: one JSON object per line — the session's header, then its messages in reading order
 * (PROTOCOL.md §11) with their final texts, its steers and its runs. Both archives (JSON lines files, a PostgreSQL
 * table) store exactly these lines, so an archive reads the same whichever kind wrote it.
 */
import { orderMessages } from '../../shared/session/order-messages.ts'
import type { TranscriptView } from '../../shared/session/session-schema.ts'
import type { SessionRecord } from '../persistence/update-log.ts'

/** A session as archived. */
export interface ArchivedSession {
  readonly record: SessionRecord
  readonly transcript: TranscriptView
  /** When it was archived, epoch ms (the sweep's clock). */
  readonly archivedAt: number
}

/** One line of an archive: `type` is `session` (first line only), `message`, `steer` or `run`. */
export type ArchiveLine = Readonly<Record<string, unknown>> & { readonly type: string }

/** An archive target of the retention sweep. Every method is idempotent, so two nodes may run the same step. */
export interface SessionArchive {
  /** `jsonl` or `postgres`, as logged. */
  readonly kind: string
  /**
   * The `updatedAt` of the session's archived version, or undefined when it has none: the sweep archives again
   * when the session was written since.
   * @throws SessionError PERSISTENCE_FAILED when the archive cannot be read
   */
  archivedVersion(sessionId: string): Promise<number | undefined>
  /**
   * Stores `session`, replacing another version of it atomically: a reader sees the old or the new version whole.
   * Resolves false, writing nothing, when the archive already holds this version (same `updatedAt`): another node
   * archived it first.
   * @throws SessionError PERSISTENCE_FAILED when it cannot be written; nothing is then replaced
   */
  write(session: ArchivedSession): Promise<boolean>
  /** Removes the session's archived version, if any (a session deleted by its owner, PROTOCOL.md §13.4, §13.5). */
  remove(sessionId: string): Promise<void>
  /**
   * Removes what writes that never finished left behind (a crash mid-write) and no write can still be using: older
   * than `nowMs` (the sweep's clock) minus a bound far above any write. Resolves how many it removed.
   * @throws SessionError PERSISTENCE_FAILED when the archive cannot be listed
   */
  clean(nowMs: number): Promise<number>
  /** Releases files and connections. */
  close(): Promise<void>
}

/** The lines of `session`'s archive, in order. */
export function toArchiveLines(session: ArchivedSession): ArchiveLine[] {
  const { record, transcript, archivedAt } = session
  return [
    {
      type: 'session',
      id: record.id,
      title: record.title,
      owner: record.owner,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      archivedAt,
      schema: transcript.schema ?? null,
    },
    ...orderMessages(transcript.messages).map((message) => ({ type: 'message', ...message })),
    ...transcript.steering.map((steer) => ({ type: 'steer', ...steer })),
    ...transcript.runs.map((run) => ({ type: 'run', ...run })),
  ]
}
