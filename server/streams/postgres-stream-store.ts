/**
 * StreamStore on PostgreSQL (`pg`): one row of JSON metadata per stream and one row per message; `commit` is one
 * transaction. Commits to one stream are serialised across nodes by an advisory lock, and one derived from a state
 * another node has since changed is refused (STREAM_CONFLICT with `concurrentWriter`), so nothing is written twice.
 */
import { isSessionError, SessionError } from '../../shared/errors/session-error.ts'
import { inTransaction } from '../persistence/in-transaction.ts'
import { openPostgresPool } from '../persistence/open-postgres-pool.ts'
import type { StreamMessage, StreamMeta, StreamStore } from './stream-store.ts'

/** Options of {@link createPostgresStreamStore}. */
export interface PostgresStreamStoreOptions {
  readonly connectionString: string
  /** Schema holding the tables (default `public`); created when missing. */
  readonly schema?: string
  /** Pool size (default 4). */
  readonly maxConnections?: number
}

/**
 * Connects, creates the tables if needed and returns the store.
 * @throws SessionError PERSISTENCE_FAILED when the database is unreachable
 */
export async function createPostgresStreamStore (options: PostgresStreamStoreOptions): Promise<StreamStore> {
  const { pool, schema, table: t } = openPostgresPool(options, 4)
  const failed = (what: string, cause: unknown): SessionError => new SessionError('PERSISTENCE_FAILED', what, { cause })
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}";
      CREATE TABLE IF NOT EXISTS ${t('stream_meta')} (path TEXT PRIMARY KEY, meta TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${t('stream_messages')} (
        path TEXT NOT NULL, idx BIGINT NOT NULL, byte_end BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (path, idx));`)
  } catch (cause) {
    await pool.end()
    throw failed('cannot initialise the PostgreSQL stream tables', cause)
  }
  return {
    async get (path) {
      const result = await pool.query<{ meta: string }>(`SELECT meta FROM ${t('stream_meta')} WHERE path = $1`, [path]).catch((cause: unknown) => { throw failed('PostgreSQL read failed', cause) })
      const row = result.rows[0]
      return row === undefined ? undefined : JSON.parse(row.meta) as StreamMeta
    },
    async commit (meta, messages) {
      await inTransaction(pool, 'BEGIN', async (client) => {
        // Nodes sharing this database serialise on the path, and a commit derived from an older state is refused.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${schema}/${meta.path}`])
        const last = (await client.query<{ idx: string, byte_end: string }>(
          `SELECT idx, byte_end FROM ${t('stream_messages')} WHERE path = $1 ORDER BY idx DESC LIMIT 1`, [meta.path])).rows[0]
        if (Number(last?.idx ?? 0) !== meta.messageCount - messages.length) throw concurrentWriter(meta.path)
        if (messages.length > 0) {
          let index = Number(last?.idx ?? 0)
          let byteEnd = Number(last?.byte_end ?? 0)
          const indexes: number[] = []
          const byteEnds: number[] = []
          for (const data of messages) {
            indexes.push(index += 1)
            byteEnds.push(byteEnd += data.byteLength)
          }
          await client.query(
            `INSERT INTO ${t('stream_messages')} (path, idx, byte_end, data) SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bytea[])`,
            [meta.path, indexes, byteEnds, messages.map((data) => Buffer.from(data))])
        }
        await client.query(`INSERT INTO ${t('stream_meta')} (path, meta) VALUES ($1, $2) ON CONFLICT (path) DO UPDATE SET meta = excluded.meta`, [meta.path, JSON.stringify(meta)])
      }).catch((cause: unknown) => { throw isSessionError(cause) ? cause : failed('PostgreSQL stream append failed', cause) })
    },
    async read (path, afterIndex, maxBytes) {
      // A running total bounds the rows fetched; the first row is always included.
      const result = await pool.query<{ idx: string, byte_end: string, data: Buffer }>(
        `SELECT idx, byte_end, data FROM (
           SELECT idx, byte_end, data, SUM(octet_length(data)) OVER (ORDER BY idx) AS total, ROW_NUMBER() OVER (ORDER BY idx) AS n
           FROM ${t('stream_messages')} WHERE path = $1 AND idx > $2) AS ranged
         WHERE n = 1 OR total <= $3 ORDER BY idx`, [path, afterIndex, maxBytes]).catch((cause: unknown) => { throw failed('PostgreSQL read failed', cause) })
      return result.rows.map((row): StreamMessage => ({ index: Number(row.idx), byteEnd: Number(row.byte_end), data: new Uint8Array(row.data) }))
    },
    async delete (path) {
      return await inTransaction(pool, 'BEGIN', async (client) => {
        await client.query(`DELETE FROM ${t('stream_messages')} WHERE path = $1`, [path])
        return ((await client.query(`DELETE FROM ${t('stream_meta')} WHERE path = $1`, [path])).rowCount ?? 0) > 0
      }).catch((cause: unknown) => { throw failed('PostgreSQL delete failed', cause) })
    },
    async close () {
      await pool.end()
    },
  }
}

/** The stream gained messages since the commit's metadata was derived: another node wrote it. */
function concurrentWriter (path: string): SessionError {
  return new SessionError('STREAM_CONFLICT', `stream ${path} changed concurrently`, { details: { path, concurrentWriter: true } })
}
