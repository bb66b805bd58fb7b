/**
 * Opens the StreamStore beside the UpdateLog named by a store URL (LIFELINE_STORE): the same SQLite file, or the
 * same PostgreSQL database and schema.
 */
import { DEFAULT_STORE } from '../persistence/open-update-log.ts'
import { createPostgresStreamStore } from './postgres-stream-store.ts'
import { createSqliteStreamStore } from './sqlite-stream-store.ts'
import type { StreamStore } from './stream-store.ts'

/**
 * Opens the stream store for `store`.
 * @throws SessionError PERSISTENCE_FAILED when it cannot be opened
 */
export async function openStreamStore (store: string = DEFAULT_STORE): Promise<StreamStore> {
  if (/^postgres(ql)?:\/\//.test(store)) {
    const url = new URL(store)
    const schema = url.searchParams.get('schema') ?? undefined
    url.searchParams.delete('schema')
    return await createPostgresStreamStore({ connectionString: url.toString(), ...(schema === undefined ? {} : { schema }) })
  }
  return createSqliteStreamStore({ path: store.startsWith('sqlite:') ? store.slice('sqlite:'.length) : store })
}
