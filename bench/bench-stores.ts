/**
 * openBenchStores: the UpdateLogs the persistence-cost bench compares — memory (baseline, first), SQLite
 * `process` and `power` in a temporary folder, PostgreSQL in a fresh schema (skipped when unreachable).
 */
import { mkdtempSync, rmSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createMemoryUpdateLog } from '../server/persistence/memory-update-log.ts'
import { createPostgresUpdateLog } from '../server/persistence/postgres-update-log.ts'
import { createSqliteUpdateLog } from '../server/persistence/sqlite-update-log.ts'
import type { UpdateLog } from '../server/persistence/update-log.ts'
import { createRandomId } from '../shared/session/session-id.ts'

/** One backend under test. */
export interface BenchStore {
  readonly label: string
  /** The store is the local PostgreSQL server, whose CPU time a run should be charged. */
  readonly isPostgres: boolean
  /** Opens a fresh, empty log; call `cleanUp` after closing it. */
  open(): Promise<{ readonly log: UpdateLog; cleanUp(): void }>
}

/** The backends of one bench run. */
export interface BenchStores {
  /** Memory first: it is every ratio's denominator. */
  readonly stores: readonly BenchStore[]
  /** Lines describing where the stores live and how durable they are (printed with the machine facts). */
  readonly facts: readonly string[]
  /** Removes the temporary folder and drops the PostgreSQL schema (created by the first `open`). */
  dispose(): Promise<void>
}

/** Filesystem magic numbers (statfs f_type) worth naming; fsync on tmpfs would cost nothing. */
const FS_TYPES: Record<number, string> = {
  61267: 'ext4',
  16914836: 'tmpfs',
  1481003842: 'xfs',
  2435016766: 'btrfs',
  2035054128: 'overlayfs',
}

/** Opens the stores; PostgreSQL is tried at `postgresUrl`. */
export async function openBenchStores(postgresUrl: string): Promise<BenchStores> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-persist-bench-'))
  const fsType = statfsSync(dir).type
  const facts = [`SQLite files in ${dir} (${FS_TYPES[fsType] ?? `fs type 0x${fsType.toString(16)}`})`]
  let files = 0
  const sqlite = (durability: 'process' | 'power'): BenchStore => ({
    label: `sqlite ${durability}`,
    isPostgres: false,
    async open() {
      const path = join(dir, `run-${++files}.sqlite`)
      return {
        log: createSqliteUpdateLog({ path, durability }),
        cleanUp() {
          for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
        },
      }
    },
  })
  const stores: BenchStore[] = [
    { label: 'memory', isPostgres: false, open: async () => ({ log: createMemoryUpdateLog(), cleanUp() {} }) },
    sqlite('process'),
    sqlite('power'),
  ]

  const schema = `lifeline_bench_${createRandomId(10)}`
  const admin = new pg.Client({ connectionString: postgresUrl })
  admin.on('error', () => undefined) // reason: a lost admin connection only matters to dispose, which reports it
  let reachable = false
  try {
    await admin.connect()
    const settings = await admin.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method') ORDER BY name",
    )
    const version = await admin.query<{ server_version: string }>('SHOW server_version')
    facts.push(
      `PostgreSQL ${version.rows[0]?.server_version ?? '?'} at ${describeUrl(postgresUrl)}, schema ${schema}, ` +
        settings.rows.map((row) => `${row.name}=${row.setting}`).join(', '),
    )
    reachable = true
    stores.push({
      label: 'postgres',
      isPostgres: true,
      open: async () => ({
        log: await createPostgresUpdateLog({ connectionString: postgresUrl, schema }),
        cleanUp() {},
      }),
    })
  } catch (error) {
    facts.push(
      `PostgreSQL at ${describeUrl(postgresUrl)} unreachable, skipped: ${error instanceof Error ? error.message : String(error)}`,
    )
  }

  return {
    stores,
    facts,
    async dispose() {
      rmSync(dir, { recursive: true, force: true })
      try {
        if (reachable) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      } finally {
        await admin.end().catch(() => undefined) // reason: a client that never connected cannot end cleanly
      }
    },
  }
}

function describeUrl(url: string): string {
  const parsed = new URL(url)
  parsed.password = ''
  return parsed.toString()
}
