/**
 * StreamStore on PostgreSQL (`pg`): one row of JSON metadata per stream and one row per message; `change` is one
 * transaction that takes an advisory lock on the stream's path before it reads the record, so nodes sharing the
 * database decide one after another on what the previous one stored. Each commit NOTIFYs the path, and `watch` hears
 * the commits of every node (readers waiting on one node wake when another appends).
 */
import type pg from 'pg'
import { SessionError } from '../../shared/errors/session-error.ts'
import { assert } from '../../shared/errors/invariant.ts'
import { inTransaction } from '../persistence/in-transaction.ts'
import { migratePostgresSchema } from '../persistence/migrate-postgres-schema.ts'
import { listenPostgresChannel } from '../persistence/listen-postgres-channel.ts'
import { openPostgresPool } from '../persistence/open-postgres-pool.ts'
import type { StreamMessage, StreamMeta, StreamStore } from './stream-store.ts'
import { watchDecision } from './watch-decision.ts'

/** Options of {@link createPostgresStreamStore}. */
export interface PostgresStreamStoreOptions {
  readonly connectionString: string
  /** Schema holding the tables (default `public`); created when missing. */
  readonly schema?: string
  /** Pool size (default 4). */
  readonly maxConnections?: number
  /** Reports failures of the connection that listens for other nodes' commits (default console.error). */
  readonly onError?: (error: unknown) => void
}

/** Notification channel of stream commits; payload `<schema>/<path>` (paths are at most 1024 bytes, within NOTIFY's 8000). */
const COMMIT_CHANNEL = 'lifeline_stream_commits'

/**
 * Connects, creates the tables if needed and returns the store.
 * @throws SessionError PERSISTENCE_FAILED when the database is unreachable
 */
export async function createPostgresStreamStore(options: PostgresStreamStoreOptions): Promise<StreamStore> {
  const { pool, schema, table: t } = openPostgresPool(options, 4)
  const failed = (what: string, cause: unknown): SessionError => new SessionError('PERSISTENCE_FAILED', what, { cause })
  /** Tells every node sharing the schema (this one too) that `path` changed; delivered when the transaction commits. */
  const announce = async (client: pg.PoolClient, path: string): Promise<void> => {
    await client.query('SELECT pg_notify($1, $2)', [COMMIT_CHANNEL, `${schema}/${path}`])
  }
  try {
    await migratePostgresSchema(pool, schema, async (client) => {
      await client.query(`CREATE TABLE IF NOT EXISTS ${t('stream_meta')} (path TEXT PRIMARY KEY, meta TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS ${t('stream_messages')} (
          path TEXT NOT NULL, idx BIGINT NOT NULL, byte_end BIGINT NOT NULL, data BYTEA NOT NULL, PRIMARY KEY (path, idx));`)
    })
  } catch (cause) {
    await pool.end()
    throw failed('cannot initialise the PostgreSQL stream tables', cause)
  }
  const commits = await listenPostgresChannel({
    connectionString: options.connectionString,
    channel: COMMIT_CHANNEL,
    onError: options.onError ?? console.error,
  }).catch(async (error: unknown) => {
    await pool.end()
    throw error
  })
  return {
    async get(path) {
      const result = await pool
        .query<{ meta: string }>(`SELECT meta FROM ${t('stream_meta')} WHERE path = $1`, [path])
        .catch((cause: unknown) => {
          throw failed('PostgreSQL read failed', cause)
        })
      const row = result.rows[0]
      return row === undefined ? undefined : (JSON.parse(row.meta) as StreamMeta)
    },
    async change(path, decide) {
      const watched = watchDecision(decide)
      return await inTransaction(pool, 'BEGIN', async (client) => {
        // Nodes sharing this database serialise on the path: the decision sees every change committed before it.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${schema}/${path}`])
        const row = (
          await client.query<{ meta: string }>(`SELECT meta FROM ${t('stream_meta')} WHERE path = $1`, [path])
        ).rows[0]
        const decided = watched.decide(row === undefined ? undefined : (JSON.parse(row.meta) as StreamMeta))
        if (decided === undefined) return undefined
        assert(decided.meta.path === path, 'a change keeps its stream path')
        if (decided.messages.length > 0) {
          // The new record counts the new messages (StreamChange), so where they start needs no query.
          let index = decided.meta.messageCount - decided.messages.length
          let byteEnd = decided.meta.byteCount - decided.messages.reduce((sum, data) => sum + data.byteLength, 0)
          const indexes: number[] = []
          const byteEnds: number[] = []
          for (const data of decided.messages) {
            index += 1
            byteEnd += data.byteLength
            indexes.push(index)
            byteEnds.push(byteEnd)
          }
          await client.query(
            `INSERT INTO ${t('stream_messages')} (path, idx, byte_end, data) SELECT $1, * FROM unnest($2::bigint[], $3::bigint[], $4::bytea[])`,
            [path, indexes, byteEnds, decided.messages.map((data) => Buffer.from(data))],
          )
        }
        await client.query(
          `INSERT INTO ${t('stream_meta')} (path, meta) VALUES ($1, $2) ON CONFLICT (path) DO UPDATE SET meta = excluded.meta`,
          [path, JSON.stringify(decided.meta)],
        )
        await announce(client, path)
        return decided
      }).catch((cause: unknown) => {
        const refused = watched.thrown()
        throw refused !== undefined ? refused.error : failed('PostgreSQL stream append failed', cause)
      })
    },
    async read(path, afterIndex, maxBytes) {
      // A running total bounds the rows fetched; the first row is always included.
      const result = await pool
        .query<{ idx: string; byte_end: string; data: Buffer }>(
          `SELECT idx, byte_end, data FROM (
           SELECT idx, byte_end, data, SUM(octet_length(data)) OVER (ORDER BY idx) AS total, ROW_NUMBER() OVER (ORDER BY idx) AS n
           FROM ${t('stream_messages')} WHERE path = $1 AND idx > $2) AS ranged
         WHERE n = 1 OR total <= $3 ORDER BY idx`,
          [path, afterIndex, maxBytes],
        )
        .catch((cause: unknown) => {
          throw failed('PostgreSQL read failed', cause)
        })
      return result.rows.map(
        (row): StreamMessage => ({
          index: Number(row.idx),
          byteEnd: Number(row.byte_end),
          data: new Uint8Array(row.data),
        }),
      )
    },
    async list(prefix) {
      const result = await pool
        .query<{ path: string }>(
          `SELECT path FROM ${t('stream_meta')} WHERE left(path, $1) = $2 ORDER BY path COLLATE "C"`,
          [prefix.length, prefix],
        )
        .catch((cause: unknown) => {
          throw failed('PostgreSQL list failed', cause)
        })
      return result.rows.map((row) => row.path)
    },
    async delete(path) {
      return await inTransaction(pool, 'BEGIN', async (client) => {
        await client.query(`DELETE FROM ${t('stream_messages')} WHERE path = $1`, [path])
        const existed =
          ((await client.query(`DELETE FROM ${t('stream_meta')} WHERE path = $1`, [path])).rowCount ?? 0) > 0
        // Other nodes hear of a deletion as of any commit: their readers of the path end, their tallies forget it.
        if (existed) await announce(client, path)
        return existed
      }).catch((cause: unknown) => {
        throw failed('PostgreSQL delete failed', cause)
      })
    },
    watch(listener) {
      return commits.listen((payload) => {
        if (payload.startsWith(`${schema}/`)) listener(payload.slice(schema.length + 1))
      })
    },
    async close() {
      await commits.close()
      await pool.end()
    },
  }
}
