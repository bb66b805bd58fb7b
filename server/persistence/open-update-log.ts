/**
 * Opens the UpdateLog named by a store URL, the form used by LIFELINE_STORE: `postgres://…` (or
 * `postgresql://…`) selects PostgreSQL; a file path or `sqlite:<path>` selects SQLite (the default).
 */
import { createPostgresUpdateLog } from './postgres-update-log.ts'
import { createSqliteUpdateLog } from './sqlite-update-log.ts'
import type { UpdateLog } from './update-log.ts'

/** Default store: an SQLite file under ./data. */
export const DEFAULT_STORE = './data/lifeline.sqlite'

/**
 * Opens the log for `store`.
 * @throws SessionError PERSISTENCE_FAILED when it cannot be opened
 */
export async function openUpdateLog (store: string = DEFAULT_STORE): Promise<UpdateLog> {
  if (/^postgres(ql)?:\/\//.test(store)) {
    const url = new URL(store)
    const schema = url.searchParams.get('schema') ?? undefined
    url.searchParams.delete('schema')
    return await createPostgresUpdateLog({ connectionString: url.toString(), ...(schema === undefined ? {} : { schema }) })
  }
  return createSqliteUpdateLog({ path: store.startsWith('sqlite:') ? store.slice('sqlite:'.length) : store })
}

/** A printable form of `store` without credentials. */
export function describeStore (store: string = DEFAULT_STORE): string {
  if (!/^postgres(ql)?:\/\//.test(store)) return `SQLite at ${store.replace(/^sqlite:/, '')}`
  const url = new URL(store)
  url.password = ''
  return `PostgreSQL at ${url.toString()}`
}
