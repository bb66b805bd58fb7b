/**
 * Opens the StreamStore beside the UpdateLog named by a store URL (LIFELINE_STORE): the same SQLite file, or the
 * same PostgreSQL database and schema.
 */
import { DEFAULT_STORE, parseStoreUrl } from '../persistence/parse-store-url.ts'
import { createPostgresStreamStore } from './postgres-stream-store.ts'
import { createSqliteStreamStore } from './sqlite-stream-store.ts'
import type { StreamStore } from './stream-store.ts'

/**
 * Opens the stream store for `store`.
 * @throws SessionError PERSISTENCE_FAILED when it cannot be opened
 */
export async function openStreamStore(store: string = DEFAULT_STORE): Promise<StreamStore> {
  const location = parseStoreUrl(store)
  if (location.kind === 'sqlite') return createSqliteStreamStore({ path: location.path })
  const { kind: _kind, ...postgres } = location
  return await createPostgresStreamStore(postgres)
}
