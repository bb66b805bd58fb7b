/**
 * The `retention` option of the session server (PROTOCOL.md §13, docs/operations.md § Retention): default periods,
 * the archive target and the sweep's timing, checked at start-up; and the archive it names, opened.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import { parseRetentionPeriods, type RetentionPeriods } from '../../shared/session/retention-periods.ts'
import { createJsonlSessionArchive } from './jsonl-session-archive.ts'
import { createPostgresSessionArchive } from './postgres-session-archive.ts'
import type { SessionArchive } from './session-archive.ts'

/** Where finished sessions are archived. */
export type SessionArchiveTarget =
  /** One JSON lines file per session in `dir` (created when missing). */
  | { readonly kind: 'jsonl'; readonly dir: string }
  /** Rows of a PostgreSQL table (default `session_archive`, created when missing) in `schema` (default `public`). */
  | {
      readonly kind: 'postgres'
      /** e.g. `postgres://postgres@127.0.0.1:5432/lifeline` */
      readonly connectionString: string
      readonly schema?: string
      readonly table?: string
    }

/** Retention of finished sessions. */
export interface SessionRetentionOptions {
  /** Periods of sessions created without their own (default: none, so only sessions with their own expire). */
  readonly default?: RetentionPeriods
  /** Where sessions are archived before they expire; unset: expiring sessions are erased without an archive. */
  readonly archive?: SessionArchiveTarget
  /** Time between sweeps, in ms (default 60 000). */
  readonly sweepEveryMs?: number
  /** Sessions listed per page; each sweep pages through all sessions, least recently written first (default 500). */
  readonly pageSize?: number
  /** Clock of the sweep, epoch ms (default Date.now); tests inject one. */
  readonly now?: () => number
}

/** Default time between sweeps: one minute. */
const DEFAULT_RETENTION_SWEEP_EVERY_MS = 60_000

/**
 * Checks `options` and opens its archive.
 * @throws SessionError BAD_REQUEST for bad periods, a bad sweep interval or a bad PostgreSQL name
 * @throws SessionError PERSISTENCE_FAILED when the PostgreSQL archive is unreachable
 */
export async function openSessionRetention(
  options: SessionRetentionOptions,
): Promise<{ defaults: RetentionPeriods; archive: SessionArchive | undefined; sweepEveryMs: number }> {
  const defaults = parseRetentionPeriods(options.default ?? {}, 'retention.default')
  const sweepEveryMs = options.sweepEveryMs ?? DEFAULT_RETENTION_SWEEP_EVERY_MS
  if (!Number.isInteger(sweepEveryMs) || sweepEveryMs < 1)
    throw new SessionError('BAD_REQUEST', 'retention.sweepEveryMs must be a positive integer', {
      details: { field: 'retention.sweepEveryMs' },
    })
  const target = options.archive
  const archive =
    target === undefined
      ? undefined
      : target.kind === 'jsonl'
        ? createJsonlSessionArchive({ dir: target.dir })
        : await createPostgresSessionArchive(target)
  return { defaults, archive, sweepEveryMs }
}
