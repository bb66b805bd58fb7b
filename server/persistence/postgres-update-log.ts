/**
 * UpdateLog on PostgreSQL (`pg`), for several server nodes sharing one store. Appends are group-committed:
 * all appends queued while a transaction runs go into the next one. Seqs come from a per-session counter row
 * that the appending transaction locks, so nodes appending to one session get contiguous seqs in commit
 * order; sessions are locked in id order to rule out deadlocks between nodes.
 */
import { crc32 } from 'node:zlib'
import pg from 'pg'
import { SessionError } from '../../shared/errors/session-error.ts'
import { checkEntries } from './check-entries.ts'
import { createGroupCommit } from './group-commit.ts'
import type { LogEntry, SessionRecord, StoredSession, UpdateLog } from './update-log.ts'

/** Options of {@link createPostgresUpdateLog}. */
export interface PostgresUpdateLogOptions {
  /** e.g. `postgres://postgres@127.0.0.1:5432/lifeline` */
  readonly connectionString: string
  /** Schema holding the tables (default `public`); created when missing. */
  readonly schema?: string
  /** Pool size (default 8). */
  readonly maxConnections?: number
}

interface AppendRequest { readonly sessionId: string, readonly updates: readonly Uint8Array[] }
interface SessionRow { id: string, title: string, created_at: string, updated_at: string }
interface UpdateRow { seq: string, data: Buffer, crc: string }

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Connects, creates the tables if needed and returns the log.
 * @throws SessionError PERSISTENCE_FAILED when the database is unreachable
 */
export async function createPostgresUpdateLog (options: PostgresUpdateLogOptions): Promise<UpdateLog> {
  const schema = options.schema ?? 'public'
  if (!SCHEMA_PATTERN.test(schema)) throw new SessionError('BAD_REQUEST', `invalid PostgreSQL schema name ${schema}`, { details: { schema } })
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 8 })
  pool.on('error', () => undefined) // reason: idle-client errors surface on the next query, as PERSISTENCE_FAILED
  const t = (name: string): string => `"${schema}".${name}`
  await wrap('cannot initialise PostgreSQL schema', () => migrate(pool, schema))

  const writeBatch = async (batch: readonly AppendRequest[]): Promise<number[][]> => {
    const bySession = new Map<string, Uint8Array[]>()
    for (const { sessionId, updates } of batch) bySession.set(sessionId, [...(bySession.get(sessionId) ?? []), ...updates])
    const firstSeq = new Map<string, number>()
    const client = await pool.connect().catch((cause: unknown) => {
      throw new SessionError('PERSISTENCE_FAILED', 'PostgreSQL is unreachable', { cause })
    })
    try {
      await client.query('BEGIN')
      const now = Date.now()
      for (const sessionId of [...bySession.keys()].sort()) {
        const updates = bySession.get(sessionId) ?? []
        const { rows } = await client.query<{ next_seq: string }>(
          `INSERT INTO ${t('sessions')} (id, title, created_at, updated_at, next_seq) VALUES ($1, '', $2, $2, $3 + 1)
           ON CONFLICT (id) DO UPDATE SET next_seq = ${t('sessions')}.next_seq + $3, updated_at = $2
           RETURNING next_seq`, [sessionId, now, updates.length])
        const first = Number(rows[0]?.next_seq) - updates.length
        firstSeq.set(sessionId, first)
        await client.query(
          `INSERT INTO ${t('updates')} (session_id, seq, data, crc, created_at)
           SELECT $1, s.seq, s.data, s.crc, $2 FROM unnest($3::bigint[], $4::bytea[], $5::bigint[]) AS s(seq, data, crc)`,
          [sessionId, now, updates.map((_, index) => first + index), updates.map((update) => Buffer.from(update)), updates.map((update) => crc32(update))])
      }
      await client.query('COMMIT')
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => undefined) // reason: the connection may be gone; the append fails either way
      throw new SessionError('PERSISTENCE_FAILED', 'PostgreSQL append failed', { cause })
    } finally {
      client.release()
    }
    const cursor = new Map(firstSeq)
    return batch.map(({ sessionId, updates }) => {
      const start = cursor.get(sessionId) ?? 0
      cursor.set(sessionId, start + updates.length)
      return updates.map((_, index) => start + index)
    })
  }
  const groupCommit = createGroupCommit(writeBatch)

  const readRows = async (sessionId: string, afterSeq: number): Promise<LogEntry[]> => {
    const { rows } = await pool.query<UpdateRow>(`SELECT seq, data, crc FROM ${t('updates')} WHERE session_id = $1 AND seq > $2 ORDER BY seq`, [sessionId, afterSeq])
    return checkEntries(sessionId, afterSeq, rows.map(toStoredRow), 'update')
  }
  const snapshotRow = async (sessionId: string): Promise<(UpdateRow & { upto_seq: string }) | undefined> =>
    (await pool.query<UpdateRow & { upto_seq: string }>(`SELECT upto_seq, upto_seq AS seq, data, crc FROM ${t('snapshots')} WHERE session_id = $1`, [sessionId])).rows[0]

  return {
    createSession: ({ id, title, createdAt }) => wrap('PostgreSQL createSession failed', async () =>
      (await pool.query(`INSERT INTO ${t('sessions')} (id, title, created_at, updated_at, next_seq) VALUES ($1, $2, $3, $3, 1) ON CONFLICT DO NOTHING`, [id, title, createdAt])).rowCount === 1),
    getSession: (sessionId) => wrap('PostgreSQL getSession failed', async () => {
      const row = (await pool.query<SessionRow>(`SELECT id, title, created_at, updated_at FROM ${t('sessions')} WHERE id = $1`, [sessionId])).rows[0]
      return row === undefined ? undefined : toRecord(row)
    }),
    listSessions: ({ limit = 100 } = {}) => wrap('PostgreSQL listSessions failed', async () =>
      (await pool.query<SessionRow>(`SELECT id, title, created_at, updated_at FROM ${t('sessions')} ORDER BY updated_at DESC, id LIMIT $1`, [limit])).rows.map(toRecord)),
    append: (sessionId, updates) => groupCommit.submit({ sessionId, updates }),
    load: (sessionId) => wrap('PostgreSQL load failed', async () => {
      const row = await snapshotRow(sessionId)
      const snapshotSeq = row === undefined ? 0 : Number(row.upto_seq)
      const snapshot = row === undefined ? undefined : checkEntries(sessionId, 0, [toStoredRow(row)], 'snapshot')[0]?.update
      return { snapshot, snapshotSeq, entries: await readRows(sessionId, snapshotSeq) } satisfies StoredSession
    }),
    readSince: (sessionId, afterSeq) => wrap('PostgreSQL readSince failed', async () => {
      const row = await snapshotRow(sessionId)
      return await readRows(sessionId, Math.max(afterSeq, row === undefined ? 0 : Number(row.upto_seq)))
    }),
    replacePrefix: (sessionId, snapshot, uptoSeq) => wrap('PostgreSQL replacePrefix failed', async () => {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        // A snapshot never replaces a newer one: of two overlapping compactions, the one that folded more wins.
        await client.query(
          `INSERT INTO ${t('snapshots')} (session_id, upto_seq, data, crc, created_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (session_id) DO UPDATE SET upto_seq = excluded.upto_seq, data = excluded.data, crc = excluded.crc, created_at = excluded.created_at
           WHERE ${t('snapshots')}.upto_seq < excluded.upto_seq`,
          [sessionId, uptoSeq, Buffer.from(snapshot), crc32(snapshot), Date.now()])
        await client.query(`DELETE FROM ${t('updates')} WHERE session_id = $1 AND seq <= (SELECT upto_seq FROM ${t('snapshots')} WHERE session_id = $1)`, [sessionId])
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined) // reason: the connection may be gone; the error below is what matters
        throw error
      } finally {
        client.release()
      }
    }),
    async close () {
      await groupCommit.drain()
      await pool.end()
    },
  }
}

async function migrate (pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    // Nodes starting together must not race on CREATE: serialise migrations with an advisory lock.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`lifeline-migrate-${schema}`])
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    await client.query(`
      CREATE TABLE IF NOT EXISTS "${schema}".sessions (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, next_seq BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS "${schema}".updates (
        session_id TEXT NOT NULL, seq BIGINT NOT NULL, data BYTEA NOT NULL, crc BIGINT NOT NULL, created_at BIGINT NOT NULL,
        PRIMARY KEY (session_id, seq));
      CREATE TABLE IF NOT EXISTS "${schema}".snapshots (
        session_id TEXT PRIMARY KEY, upto_seq BIGINT NOT NULL, data BYTEA NOT NULL, crc BIGINT NOT NULL, created_at BIGINT NOT NULL);
      CREATE INDEX IF NOT EXISTS sessions_by_update ON "${schema}".sessions (updated_at DESC);`)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined) // reason: reporting the migration error matters more
    throw error
  } finally {
    client.release()
  }
}

async function wrap<T> (what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (cause) {
    if (cause instanceof SessionError) throw cause
    throw new SessionError('PERSISTENCE_FAILED', what, { cause })
  }
}

function toStoredRow (row: UpdateRow): { seq: number, data: Uint8Array, crc: number } {
  return { seq: Number(row.seq), data: row.data, crc: Number(row.crc) }
}

function toRecord (row: SessionRow): SessionRecord {
  return { id: row.id, title: row.title, createdAt: Number(row.created_at), updatedAt: Number(row.updated_at) }
}
