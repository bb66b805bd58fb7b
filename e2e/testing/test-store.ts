/**
 * Storage for end-to-end tests: a fresh SQLite file or a fresh PostgreSQL schema per test, opened as many times
 * as the test restarts its server, and removed afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createRandomId } from '../../shared/session/session-id.ts'
import { createPostgresUpdateLog } from '../../server/persistence/postgres-update-log.ts'
import { createSqliteUpdateLog } from '../../server/persistence/sqlite-update-log.ts'
import type { UpdateLog } from '../../server/persistence/update-log.ts'

/** Storage backends the end-to-end suites run against. */
export const STORE_KINDS = ['sqlite', 'postgres'] as const
export type StoreKind = (typeof STORE_KINDS)[number]

/** PostgreSQL used by tests (LIFELINE_TEST_POSTGRES overrides). */
export const TEST_POSTGRES_URL = process.env.LIFELINE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'

/** One test's storage. */
export interface TestStore {
  readonly kind: StoreKind
  /** Where it lives: a file path or a schema name. */
  readonly location: string
  /** Opens a new UpdateLog on this storage (the caller closes it). */
  open(): Promise<UpdateLog>
  /** Deletes the storage. */
  remove(): Promise<void>
}

/** Creates empty storage of `kind`. */
export function createTestStore(kind: StoreKind): TestStore {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-test-'))
    const path = join(dir, 'sessions.sqlite')
    return {
      kind,
      location: path,
      open: async () => createSqliteUpdateLog({ path }),
      remove: async () => {
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const schema = `lifeline_e2e_${createRandomId(10)}`
  return {
    kind,
    location: schema,
    open: () => createPostgresUpdateLog({ connectionString: TEST_POSTGRES_URL, schema }),
    async remove() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    },
  }
}
