/**
 * The stream store of a test's storage: an SQLite file beside the test's SQLite log, or the test's PostgreSQL schema,
 * so that end-to-end tests read session event streams from real storage that outlives a server restart.
 */
import { dirname, join } from 'node:path'
import { createPostgresStreamStore } from '../../server/durable-streams/postgres-stream-store.ts'
import { createSqliteStreamStore } from '../../server/durable-streams/sqlite-stream-store.ts'
import type { StreamStore } from '../../server/durable-streams/stream-store.ts'
import { TEST_POSTGRES_URL, type TestStore } from './test-store.ts'

/** Opens the stream store beside `store` (the caller's server closes it). */
export async function openTestStreamStore(store: TestStore): Promise<StreamStore> {
  if (store.kind === 'postgres')
    return await createPostgresStreamStore({ connectionString: TEST_POSTGRES_URL, schema: store.location })
  return createSqliteStreamStore({ path: join(dirname(store.location), 'streams.sqlite') })
}
