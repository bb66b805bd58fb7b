/**
 * A session archive in a PostgreSQL table (default `session_archive`, in the store's schema): one row per archive
 * line, `line` 0 being the session's header. A version replaces the previous one in one transaction that holds a
 * per-session advisory lock and writes nothing when the table already holds that version, so two nodes archiving
 * the same session leave one whole version, written once.
 */
import type pg from 'pg'
import { SessionError } from '../../shared/errors/session-error.ts'
import { inTransaction } from '../persistence/in-transaction.ts'
import { migratePostgresSchema } from '../persistence/migrate-postgres-schema.ts'
import { openPostgresPool, type PostgresLocation } from '../persistence/open-postgres-pool.ts'
import { type SessionArchive, toArchiveLines } from './session-archive.ts'

/** Options of {@link createPostgresSessionArchive}. */
export interface PostgresSessionArchiveOptions extends PostgresLocation {
  /** Table name, a plain lower-case identifier (default `session_archive`); created when missing. */
  readonly table?: string
}

/** The advisory lock a write of session `sessionId`'s archive in `schema` holds. */
export function archiveLockKey(schema: string, sessionId: string): string {
  return `lifeline-archive-${schema}/${sessionId}`
}

const TABLE_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Connects and creates the table if needed.
 * @throws SessionError BAD_REQUEST for a schema or table name that is not a plain lower-case identifier
 * @throws SessionError PERSISTENCE_FAILED when the database is unreachable
 */
export async function createPostgresSessionArchive(options: PostgresSessionArchiveOptions): Promise<SessionArchive> {
  const name = options.table ?? 'session_archive'
  if (!TABLE_PATTERN.test(name))
    throw new SessionError('BAD_REQUEST', `invalid PostgreSQL table name ${name}`, { details: { table: name } })
  const { pool, schema, table } = openPostgresPool(options, 2)
  const archive = table(name)
  const wrap = async <T>(what: string, sessionId: string | undefined, operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation()
    } catch (cause) {
      throw new SessionError('PERSISTENCE_FAILED', what, {
        cause,
        details: sessionId === undefined ? {} : { sessionId },
      })
    }
  }
  /** The `updatedAt` of the archived version of a session, through `queryable` (the pool or a transaction's client). */
  const versionIn = async (queryable: pg.Pool | pg.PoolClient, sessionId: string): Promise<number | undefined> => {
    const { rows } = await queryable.query<{ updated_at: string | null }>(
      `SELECT body->>'updatedAt' AS updated_at FROM ${archive} WHERE session_id = $1 AND line = 0`,
      [sessionId],
    )
    const updatedAt = rows[0]?.updated_at
    return updatedAt === undefined || updatedAt === null ? undefined : Number(updatedAt)
  }
  await wrap('cannot create the PostgreSQL session archive table', undefined, () =>
    migratePostgresSchema(pool, schema, async (client) => {
      await client.query(`CREATE TABLE IF NOT EXISTS ${archive} (
        session_id TEXT NOT NULL, line INTEGER NOT NULL, type TEXT NOT NULL, body JSONB NOT NULL,
        PRIMARY KEY (session_id, line))`)
    }),
  )

  return {
    kind: 'postgres',
    archivedVersion: (sessionId) =>
      wrap(`cannot read the archive of session ${sessionId}`, sessionId, () => versionIn(pool, sessionId)),
    write: (session) => {
      const sessionId = session.record.id
      const lines = toArchiveLines(session)
      return wrap(`cannot write the archive of session ${sessionId}`, sessionId, () =>
        inTransaction(pool, 'BEGIN', async (client) => {
          await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [archiveLockKey(schema, sessionId)])
          if ((await versionIn(client, sessionId)) === session.record.updatedAt) return false
          await client.query(`DELETE FROM ${archive} WHERE session_id = $1`, [sessionId])
          await client.query(
            `INSERT INTO ${archive} (session_id, line, type, body)
             SELECT $1, ord - 1, line->>'type', line FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(line, ord)`,
            [sessionId, JSON.stringify(lines)],
          )
          return true
        }),
      )
    },
    remove: (sessionId) =>
      wrap(`cannot remove the archive of session ${sessionId}`, sessionId, async () => {
        await pool.query(`DELETE FROM ${archive} WHERE session_id = $1`, [sessionId])
      }),
    // A write is one transaction: a crash rolls it back and leaves nothing.
    clean: async () => 0,
    close: () => pool.end(),
  }
}
