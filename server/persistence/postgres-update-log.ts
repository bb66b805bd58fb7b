/**
 * UpdateLog on PostgreSQL (`pg`), for several server nodes sharing one store. Appends are group-committed:
 * all appends queued while a batch is written go into the next one, and a batch is one statement. Seqs come from
 * a per-session counter row that the appending statement locks, so nodes appending to one session get contiguous
 * seqs in commit order; sessions are locked in id order to rule out deadlocks between nodes. That row is the
 * session's record: an append never creates it, so a node appending late to a session another node erased gets
 * SESSION_NOT_FOUND instead of re-creating it; deleteSession removes the record first, so an append it waited for
 * has committed before the session's rows are deleted.
 */
import { crc32 } from 'node:zlib'
import type pg from 'pg'
import { SessionError } from '../../shared/errors/session-error.ts'
import { auditPageSize } from './audit-page-size.ts'
import { checkEntries } from './check-entries.ts'
import { createGroupCommit } from './group-commit.ts'
import { inTransaction } from './in-transaction.ts'
import { migratePostgresSchema } from './migrate-postgres-schema.ts'
import { openPostgresPool } from './open-postgres-pool.ts'
import { sessionNotFound } from './session-not-found.ts'
import { toAuditEntry, type AuditRow } from './to-audit-entry.ts'
import {
  SERVER_WRITE_ORIGIN,
  type SessionRecord,
  type StoredSession,
  type UpdateLog,
  type WriteOrigin,
} from './update-log.ts'

/** Options of {@link createPostgresUpdateLog}. */
export interface PostgresUpdateLogOptions {
  /** e.g. `postgres://postgres@127.0.0.1:5432/lifeline` */
  readonly connectionString: string
  /** Schema holding the tables (default `public`); created when missing. */
  readonly schema?: string
  /** Pool size (default 8). */
  readonly maxConnections?: number
}

interface AppendRequest {
  readonly sessionId: string
  readonly updates: readonly Uint8Array[]
  readonly origin: WriteOrigin
}
interface PendingRow {
  readonly update: Uint8Array
  readonly origin: WriteOrigin
}
interface SessionRow {
  id: string
  title: string
  created_at: string
  updated_at: string
  owner: string | null
}
interface UpdateRow {
  seq: string
  data: Buffer
  crc: string
}

/**
 * Connects, creates the tables if needed and returns the log.
 * @throws SessionError PERSISTENCE_FAILED when the database is unreachable
 */
export async function createPostgresUpdateLog(options: PostgresUpdateLogOptions): Promise<UpdateLog> {
  const { pool, schema, table: t } = openPostgresPool(options, 8)
  await wrap('cannot initialise PostgreSQL schema', () => migrate(pool, schema))

  // One statement per batch (one round trip, one commit): lock every session's record in id order — so nodes lock
  // rows in the same order —, bump its counter and insert all rows, and their audit rows, at the seqs that reserved.
  // Sessions without a record (deleted, or never created) are not locked, so they get no rows.
  const writeBatch = async (batch: readonly AppendRequest[]): Promise<Array<number[] | SessionError>> => {
    const bySession = new Map<string, PendingRow[]>()
    for (const { sessionId, updates, origin } of batch) {
      bySession.set(sessionId, [...(bySession.get(sessionId) ?? []), ...updates.map((update) => ({ update, origin }))])
    }
    const sessions = [...bySession.keys()].sort()
    const rows = sessions.flatMap((sessionId) =>
      (bySession.get(sessionId) ?? []).map((row, ord) => ({ sessionId, ord, ...row })),
    )
    let result: pg.QueryResult<{ id: string; first_seq: string }>
    try {
      result = await pool.query<{ id: string; first_seq: string }>(
        `WITH counts AS (SELECT c.id, c.n FROM unnest($1::text[], $2::int[]) AS c(id, n)),
         locked AS (SELECT s.id FROM ${t('sessions')} s JOIN counts c ON c.id = s.id ORDER BY s.id FOR UPDATE OF s),
         bumped AS (
           UPDATE ${t('sessions')} s SET next_seq = s.next_seq + c.n, updated_at = $3::bigint
           FROM counts c, locked l WHERE c.id = s.id AND l.id = s.id
           RETURNING s.id, s.next_seq),
         rows AS (
           SELECT u.id, b.next_seq - c.n + u.ord AS seq, u.data, u.crc, u.principal, u.role, u.connection, u.summary
           FROM unnest($4::text[], $5::int[], $6::bytea[], $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[])
             AS u(id, ord, data, crc, principal, role, connection, summary)
           JOIN bumped b ON b.id = u.id JOIN counts c ON c.id = u.id),
         inserted AS (
           INSERT INTO ${t('updates')} (session_id, seq, data, crc, created_at) SELECT id, seq, data, crc, $3::bigint FROM rows),
         audited AS (
           INSERT INTO ${t('audit')} (session_id, seq, at, principal, role, connection, bytes, summary)
           SELECT id, seq, $3::bigint, principal, role, connection, length(data), summary FROM rows)
         SELECT b.id, b.next_seq - c.n AS first_seq FROM bumped b JOIN counts c ON c.id = b.id`,
        [
          sessions,
          sessions.map((sessionId) => bySession.get(sessionId)?.length ?? 0),
          Date.now(),
          rows.map((row) => row.sessionId),
          rows.map((row) => row.ord),
          rows.map((row) => Buffer.from(row.update)),
          rows.map((row) => crc32(row.update)),
          rows.map((row) => row.origin.principal),
          rows.map((row) => row.origin.role),
          rows.map((row) => row.origin.connection),
          rows.map((row) => JSON.stringify(row.origin.summary)),
        ],
      )
    } catch (cause) {
      throw new SessionError('PERSISTENCE_FAILED', 'PostgreSQL append failed', { cause })
    }
    const cursor = new Map(result.rows.map((row) => [row.id, Number(row.first_seq)]))
    return batch.map(({ sessionId, updates }) => {
      const start = cursor.get(sessionId)
      if (start === undefined) return sessionNotFound(sessionId)
      cursor.set(sessionId, start + updates.length)
      return updates.map((_, index) => start + index)
    })
  }
  const groupCommit = createGroupCommit<AppendRequest, number[]>(writeBatch)

  // Snapshot and tail are read in one REPEATABLE READ transaction: a compaction committing between two separate
  // reads would otherwise yield the old snapshot with an already-trimmed (empty) tail.
  const readConsistent = (sessionId: string, afterSeq: number): Promise<StoredSession> =>
    inTransaction(pool, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async (client) => {
      const row = (
        await client.query<UpdateRow & { upto_seq: string }>(
          `SELECT upto_seq, upto_seq AS seq, data, crc FROM ${t('snapshots')} WHERE session_id = $1`,
          [sessionId],
        )
      ).rows[0]
      const snapshotSeq = row === undefined ? 0 : Number(row.upto_seq)
      const snapshot =
        row === undefined ? undefined : checkEntries(sessionId, 0, [toStoredRow(row)], 'snapshot')[0]?.update
      const from = Math.max(afterSeq, snapshotSeq)
      const { rows } = await client.query<UpdateRow>(
        `SELECT seq, data, crc FROM ${t('updates')} WHERE session_id = $1 AND seq > $2 ORDER BY seq`,
        [sessionId, from],
      )
      return { snapshot, snapshotSeq, entries: checkEntries(sessionId, from, rows.map(toStoredRow), 'update') }
    })

  return {
    kind: 'postgres',
    createSession: ({ id, title, createdAt, owner = null }) =>
      wrap(
        'PostgreSQL createSession failed',
        async () =>
          (
            await pool.query(
              `INSERT INTO ${t('sessions')} (id, title, created_at, updated_at, next_seq, owner) VALUES ($1, $2, $3, $3, 1, $4) ON CONFLICT DO NOTHING`,
              [id, title, createdAt, owner],
            )
          ).rowCount === 1,
      ),
    getSession: (sessionId) =>
      wrap('PostgreSQL getSession failed', async () => {
        const row = (
          await pool.query<SessionRow>(
            `SELECT id, title, created_at, updated_at, owner FROM ${t('sessions')} WHERE id = $1`,
            [sessionId],
          )
        ).rows[0]
        return row === undefined ? undefined : toRecord(row)
      }),
    setSessionTitle: (sessionId, title) =>
      wrap(
        'PostgreSQL setSessionTitle failed',
        async () =>
          (await pool.query(`UPDATE ${t('sessions')} SET title = $1 WHERE id = $2`, [title, sessionId])).rowCount === 1,
      ),
    listSessions: ({ limit = 100 } = {}) =>
      wrap('PostgreSQL listSessions failed', async () =>
        (
          await pool.query<SessionRow>(
            `SELECT id, title, created_at, updated_at, owner FROM ${t('sessions')} ORDER BY updated_at DESC, id LIMIT $1`,
            [limit],
          )
        ).rows.map(toRecord),
      ),
    listIdleSessions: ({ updatedBefore, limit, after }) =>
      wrap('PostgreSQL listIdleSessions failed', async () =>
        (
          await pool.query<SessionRow>(
            `SELECT id, title, created_at, updated_at, owner FROM ${t('sessions')} WHERE updated_at < $1 AND (updated_at, id) > ($2, $3) ORDER BY updated_at, id LIMIT $4`,
            [updatedBefore, after?.updatedAt ?? Number.MIN_SAFE_INTEGER, after?.id ?? '', limit],
          )
        ).rows.map(toRecord),
      ),
    append: (sessionId, updates, origin = SERVER_WRITE_ORIGIN) => groupCommit.submit({ sessionId, updates, origin }),
    readAudit: (sessionId, options = {}) =>
      wrap('PostgreSQL readAudit failed', async () =>
        (
          await pool.query<AuditRow>(
            `SELECT seq, at, principal, role, connection, bytes, summary FROM ${t('audit')} WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
            [sessionId, options.afterSeq ?? 0, auditPageSize(options.limit)],
          )
        ).rows.map(toAuditEntry),
      ),
    load: (sessionId) => wrap('PostgreSQL load failed', () => readConsistent(sessionId, 0)),
    readSince: (sessionId, afterSeq) =>
      wrap('PostgreSQL readSince failed', async () => [...(await readConsistent(sessionId, afterSeq)).entries]),
    replacePrefix: (sessionId, snapshot, uptoSeq) =>
      wrap('PostgreSQL replacePrefix failed', () =>
        inTransaction(pool, 'BEGIN', async (client) => {
          // Nothing for a session without a record: a compaction that read it before another node erased it must not
          // store its state again. KEY SHARE blocks deleteSession until this commits, but no append.
          const { rowCount } = await client.query(`SELECT 1 FROM ${t('sessions')} WHERE id = $1 FOR KEY SHARE`, [
            sessionId,
          ])
          if (rowCount === 0) return
          // A snapshot never replaces a newer one: of two overlapping compactions, the one that folded more wins.
          await client.query(
            `INSERT INTO ${t('snapshots')} (session_id, upto_seq, data, crc, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (session_id) DO UPDATE SET upto_seq = excluded.upto_seq, data = excluded.data, crc = excluded.crc, created_at = excluded.created_at
         WHERE ${t('snapshots')}.upto_seq < excluded.upto_seq`,
            [sessionId, uptoSeq, Buffer.from(snapshot), crc32(snapshot), Date.now()],
          )
          await client.query(
            `DELETE FROM ${t('updates')} WHERE session_id = $1 AND seq <= (SELECT upto_seq FROM ${t('snapshots')} WHERE session_id = $1)`,
            [sessionId],
          )
        }),
      ),
    deleteSession: (sessionId) =>
      wrap('PostgreSQL deleteSession failed', async () => {
        await groupCommit.drain()
        return await inTransaction(pool, 'BEGIN', async (client) => {
          // The record first: this waits for appends and compactions of other nodes that hold it, and the statements
          // below (each with a fresh snapshot) then see and remove what they committed. Later ones find no record.
          const deleted = (await client.query(`DELETE FROM ${t('sessions')} WHERE id = $1`, [sessionId])).rowCount === 1
          await client.query(`DELETE FROM ${t('updates')} WHERE session_id = $1`, [sessionId])
          await client.query(`DELETE FROM ${t('snapshots')} WHERE session_id = $1`, [sessionId])
          await client.query(`DELETE FROM ${t('audit')} WHERE session_id = $1`, [sessionId])
          return deleted
        })
      }),
    async close() {
      await groupCommit.drain()
      await pool.end()
    },
  }
}

function migrate(pool: pg.Pool, schema: string): Promise<void> {
  return migratePostgresSchema(pool, schema, async (client) => {
    await client.query(`
      CREATE TABLE IF NOT EXISTS "${schema}".sessions (
        id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, next_seq BIGINT NOT NULL, owner TEXT);
      CREATE TABLE IF NOT EXISTS "${schema}".updates (
        session_id TEXT NOT NULL, seq BIGINT NOT NULL, data BYTEA NOT NULL, crc BIGINT NOT NULL, created_at BIGINT NOT NULL,
        PRIMARY KEY (session_id, seq));
      CREATE TABLE IF NOT EXISTS "${schema}".snapshots (
        session_id TEXT PRIMARY KEY, upto_seq BIGINT NOT NULL, data BYTEA NOT NULL, crc BIGINT NOT NULL, created_at BIGINT NOT NULL);
      CREATE TABLE IF NOT EXISTS "${schema}".audit (
        session_id TEXT NOT NULL, seq BIGINT NOT NULL, at BIGINT NOT NULL, principal TEXT NOT NULL, role TEXT,
        connection TEXT, bytes INTEGER NOT NULL, summary TEXT NOT NULL, PRIMARY KEY (session_id, seq));
      CREATE INDEX IF NOT EXISTS sessions_by_update ON "${schema}".sessions (updated_at DESC);`)
    // Schemas written before sessions had owners: their sessions get owner null (only an admin may delete them).
    // Looked up first, so that a node joining a running cluster takes no table lock when there is nothing to do.
    const { rowCount } = await client.query(
      "SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'sessions' AND column_name = 'owner'",
      [schema],
    )
    if (rowCount === 0) await client.query(`ALTER TABLE "${schema}".sessions ADD COLUMN owner TEXT`)
  })
}

async function wrap<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation()
  } catch (cause) {
    if (cause instanceof SessionError) throw cause
    throw new SessionError('PERSISTENCE_FAILED', what, { cause })
  }
}

function toStoredRow(row: UpdateRow): { seq: number; data: Uint8Array; crc: number } {
  return { seq: Number(row.seq), data: row.data, crc: Number(row.crc) }
}

function toRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    title: row.title,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    owner: row.owner,
  }
}
