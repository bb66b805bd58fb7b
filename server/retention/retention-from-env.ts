/**
 * retentionFromEnv: the `retention` option of `npm run serve` (server/main.ts) from the environment
 * (docs/operations.md § Configuration): LIFELINE_RETENTION_ARCHIVE_AFTER_SECONDS, LIFELINE_RETENTION_DELETE_AFTER_SECONDS
 * and LIFELINE_RETENTION_ARCHIVE — `jsonl:<dir>`, or `postgres` / `postgres:<table>` for a table beside a PostgreSQL
 * store (same database and schema).
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import { parseRetentionPeriods } from '../../shared/session/retention-periods.ts'
import { DEFAULT_STORE, parseStoreUrl } from '../persistence/parse-store-url.ts'
import type { SessionArchiveTarget, SessionRetentionOptions } from './session-retention-options.ts'

/**
 * The retention option the variables describe, or undefined when none is set.
 * @throws SessionError BAD_REQUEST naming the variable for a period that is not a whole number of seconds in range,
 *   an archive of another form, or `postgres` beside an SQLite store
 */
export function retentionFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  store: string = DEFAULT_STORE,
): SessionRetentionOptions | undefined {
  const archiveAfter = env.LIFELINE_RETENTION_ARCHIVE_AFTER_SECONDS
  const deleteAfter = env.LIFELINE_RETENTION_DELETE_AFTER_SECONDS
  const archive = env.LIFELINE_RETENTION_ARCHIVE
  if (isUnset(archiveAfter) && isUnset(deleteAfter) && isUnset(archive)) return undefined
  const seconds = (name: string, raw: string | undefined): Record<string, number> =>
    isUnset(raw) ? {} : { [name]: /^\d+$/.test(raw) ? Number(raw) : Number.NaN }
  const periods = parseRetentionPeriods(
    { ...seconds('archiveAfterSeconds', archiveAfter), ...seconds('deleteAfterSeconds', deleteAfter) },
    'LIFELINE_RETENTION',
  )
  return { default: periods, ...(isUnset(archive) ? {} : { archive: parseArchive(archive, store) }) }
}

function parseArchive(raw: string, store: string): SessionArchiveTarget {
  if (raw.startsWith('jsonl:') && raw.length > 'jsonl:'.length)
    return { kind: 'jsonl', dir: raw.slice('jsonl:'.length) }
  const postgres = /^postgres(?::([a-z_][a-z0-9_]*))?$/.exec(raw)
  const location = parseStoreUrl(store)
  if (postgres !== null && location.kind === 'postgres') {
    const { connectionString, schema } = location
    return {
      kind: 'postgres',
      connectionString,
      ...(schema === undefined ? {} : { schema }),
      ...(postgres[1] === undefined ? {} : { table: postgres[1] }),
    }
  }
  throw new SessionError(
    'BAD_REQUEST',
    postgres === null
      ? 'LIFELINE_RETENTION_ARCHIVE must be jsonl:<dir>, postgres or postgres:<table>'
      : 'LIFELINE_RETENTION_ARCHIVE=postgres needs a PostgreSQL LIFELINE_STORE',
    { details: { field: 'LIFELINE_RETENTION_ARCHIVE' } },
  )
}

function isUnset(value: string | undefined): value is undefined | '' {
  return value === undefined || value === ''
}
