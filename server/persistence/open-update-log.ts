/**
 * Opens the UpdateLog named by a store URL, the form used by LIFELINE_STORE: `postgres://…` (or
 * `postgresql://…`) selects PostgreSQL; a file path or `sqlite:<path>` selects SQLite (the default).
 */
import { DEFAULT_STORE, parseStoreUrl } from './parse-store-url.ts'
import { createPostgresUpdateLog } from './postgres-update-log.ts'
import { createSqliteUpdateLog } from './sqlite-update-log.ts'
import type { UpdateLog } from './update-log.ts'

/**
 * Opens the log for `store`.
 * @throws SessionError PERSISTENCE_FAILED when it cannot be opened
 */
export async function openUpdateLog(store: string = DEFAULT_STORE): Promise<UpdateLog> {
  const location = parseStoreUrl(store)
  if (location.kind === 'sqlite') return createSqliteUpdateLog({ path: location.path })
  const { kind: _kind, ...postgres } = location
  return await createPostgresUpdateLog(postgres)
}

/** A printable form of `store` without credentials. */
export function describeStore(store: string = DEFAULT_STORE): string {
  const location = parseStoreUrl(store)
  if (location.kind === 'sqlite') return `SQLite at ${location.path}`
  const url = new URL(store)
  url.password = ''
  return `PostgreSQL at ${url.toString()}`
}
