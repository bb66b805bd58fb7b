/**
 * UpdateLog on one SQLite file (better-sqlite3 12; 13 needs Node 22). Appends that arrive in the same event
 * loop turn are written in one transaction (group commit). Each row carries a CRC-32 so a damaged or
 * truncated log is reported with its session and seq instead of loading partially.
 *
 * SQLite is the single-node store: one process owns the file (seqs are cached in memory). An append needs the
 * session's record (createSession) and never creates one: a late write cannot re-create an erased session.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { crc32 } from 'node:zlib'
import Database from 'better-sqlite3'
import { SessionError } from '../../shared/errors/session-error.ts'
import { auditPageSize } from './audit-page-size.ts'
import { checkEntries } from './check-entries.ts'
import { createGroupCommit } from './group-commit.ts'
import { sessionNotFound } from './session-not-found.ts'
import { toAuditEntry, type AuditRow } from './to-audit-entry.ts'
import {
  SERVER_WRITE_ORIGIN,
  type LogEntry,
  type SessionRecord,
  type StoredSession,
  type UpdateLog,
  type WriteOrigin,
} from './update-log.ts'

/** Options of {@link createSqliteUpdateLog}. */
export interface SqliteUpdateLogOptions {
  /** Database file path; created when missing. */
  readonly path: string
  /**
   * `process` (default): a committed append survives a crash of this process (WAL, synchronous=NORMAL).
   * `power`: it also survives power loss (synchronous=FULL: one fsync per group commit).
   */
  readonly durability?: 'process' | 'power'
}

interface UpdateRow {
  seq: number
  data: Buffer
  crc: number
}
interface AppendRequest {
  readonly sessionId: string
  readonly updates: readonly Uint8Array[]
  readonly origin: WriteOrigin
}
interface SessionRow {
  id: string
  title: string
  created_at: number
  updated_at: number
  owner: string | null
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, owner TEXT);
CREATE TABLE IF NOT EXISTS updates (
  session_id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
  session_id TEXT PRIMARY KEY, upto_seq INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
  session_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, principal TEXT NOT NULL, role TEXT,
  connection TEXT, bytes INTEGER NOT NULL, summary TEXT NOT NULL, PRIMARY KEY (session_id, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_update ON sessions (updated_at DESC);
`

/** Sorts before every session in `listIdleSessions`' order. */
const FIRST_IDLE = { updatedAt: Number.MIN_SAFE_INTEGER, id: '' }

/** Opens (or creates) a SQLite-backed UpdateLog. */
export function createSqliteUpdateLog(options: SqliteUpdateLogOptions): UpdateLog {
  const db = openDatabase(options)
  const statements = {
    insertSession: db.prepare(
      'INSERT OR IGNORE INTO sessions (id, title, created_at, updated_at, owner) VALUES (?, ?, ?, ?, ?)',
    ),
    touchSession: db.prepare('UPDATE sessions SET updated_at = ? WHERE id = ?'),
    setTitle: db.prepare('UPDATE sessions SET title = ? WHERE id = ?'),
    getSession: db.prepare<[string], SessionRow>(
      'SELECT id, title, created_at, updated_at, owner FROM sessions WHERE id = ?',
    ),
    listSessions: db.prepare<[number], SessionRow>(
      'SELECT id, title, created_at, updated_at, owner FROM sessions ORDER BY updated_at DESC LIMIT ?',
    ),
    listIdleSessions: db.prepare<[number, number, string, number], SessionRow>(
      'SELECT id, title, created_at, updated_at, owner FROM sessions WHERE updated_at < ? AND (updated_at, id) > (?, ?) ORDER BY updated_at, id LIMIT ?',
    ),
    maxSeq: db.prepare<[string, string], { seq: number | null }>(
      'SELECT MAX(seq) AS seq FROM (SELECT MAX(seq) AS seq FROM updates WHERE session_id = ? UNION ALL SELECT upto_seq FROM snapshots WHERE session_id = ?)',
    ),
    insertUpdate: db.prepare('INSERT INTO updates (session_id, seq, data, crc, created_at) VALUES (?, ?, ?, ?, ?)'),
    insertAudit: db.prepare(
      'INSERT INTO audit (session_id, seq, at, principal, role, connection, bytes, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    readAudit: db.prepare<[string, number, number], AuditRow>(
      'SELECT seq, at, principal, role, connection, bytes, summary FROM audit WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    deleteAudit: db.prepare('DELETE FROM audit WHERE session_id = ?'),
    readSince: db.prepare<[string, number], UpdateRow>(
      'SELECT seq, data, crc FROM updates WHERE session_id = ? AND seq > ? ORDER BY seq',
    ),
    getSnapshot: db.prepare<[string], UpdateRow & { upto_seq: number }>(
      'SELECT upto_seq, upto_seq AS seq, data, crc FROM snapshots WHERE session_id = ?',
    ),
    // A snapshot never replaces a newer one: of two overlapping compactions, the one that folded more wins.
    upsertSnapshot: db.prepare(
      'INSERT INTO snapshots (session_id, upto_seq, data, crc, created_at) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (session_id) DO UPDATE SET upto_seq = excluded.upto_seq, data = excluded.data, crc = excluded.crc, created_at = excluded.created_at ' +
        'WHERE snapshots.upto_seq < excluded.upto_seq',
    ),
    deletePrefix: db.prepare(
      'DELETE FROM updates WHERE session_id = ? AND seq <= (SELECT upto_seq FROM snapshots WHERE session_id = ?)',
    ),
    deleteUpdates: db.prepare('DELETE FROM updates WHERE session_id = ?'),
    deleteSnapshot: db.prepare('DELETE FROM snapshots WHERE session_id = ?'),
    deleteSession: db.prepare('DELETE FROM sessions WHERE id = ?'),
  }
  const nextSeq = new Map<string, number>()

  const seqAfter = (sessionId: string): number => {
    const cached = nextSeq.get(sessionId)
    if (cached !== undefined) return cached
    const next = (statements.maxSeq.get(sessionId, sessionId)?.seq ?? 0) + 1
    nextSeq.set(sessionId, next)
    return next
  }

  const writeBatch = db.transaction((batch: readonly AppendRequest[]): Array<number[] | SessionError> => {
    const now = Date.now()
    // One statement per session of the batch stamps its newest append; a session without a record gets nothing.
    const missing = new Set<string>()
    for (const sessionId of new Set(batch.map((request) => request.sessionId))) {
      if (statements.touchSession.run(now, sessionId).changes === 0) missing.add(sessionId)
    }
    return batch.map(({ sessionId, updates, origin }) => {
      if (missing.has(sessionId)) return sessionNotFound(sessionId)
      const seqs: number[] = []
      const summary = JSON.stringify(origin.summary)
      for (const update of updates) {
        const seq = seqAfter(sessionId)
        statements.insertUpdate.run(sessionId, seq, update, crc32(update), now)
        statements.insertAudit.run(
          sessionId,
          seq,
          now,
          origin.principal,
          origin.role,
          origin.connection,
          update.byteLength,
          summary,
        )
        nextSeq.set(sessionId, seq + 1)
        seqs.push(seq)
      }
      return seqs
    })
  })

  const groupCommit = createGroupCommit<AppendRequest, number[]>((batch) => {
    try {
      return writeBatch(batch)
    } catch (cause) {
      nextSeq.clear() // reason: the rolled-back transaction may have advanced cached seqs
      throw new SessionError('PERSISTENCE_FAILED', 'SQLite append failed', { cause })
    }
  })

  return {
    kind: 'sqlite',
    async createSession({ id, title, createdAt, owner = null }) {
      return statements.insertSession.run(id, title, createdAt, createdAt, owner).changes === 1
    },
    async getSession(sessionId) {
      const row = statements.getSession.get(sessionId)
      return row === undefined ? undefined : toRecord(row)
    },
    async setSessionTitle(sessionId, title) {
      return statements.setTitle.run(title, sessionId).changes === 1
    },
    async listSessions({ limit = 100 } = {}) {
      return statements.listSessions.all(limit).map(toRecord)
    },
    async listIdleSessions({ updatedBefore, limit, after = FIRST_IDLE }) {
      return statements.listIdleSessions.all(updatedBefore, after.updatedAt, after.id, limit).map(toRecord)
    },
    append: (sessionId, updates, origin = SERVER_WRITE_ORIGIN) => groupCommit.submit({ sessionId, updates, origin }),
    async readAudit(sessionId, options = {}) {
      return statements.readAudit.all(sessionId, options.afterSeq ?? 0, auditPageSize(options.limit)).map(toAuditEntry)
    },
    async load(sessionId) {
      const snapshotRow = statements.getSnapshot.get(sessionId)
      const snapshotSeq = snapshotRow?.upto_seq ?? 0
      const snapshot =
        snapshotRow === undefined ? undefined : checkEntries(sessionId, 0, [snapshotRow], 'snapshot')[0]?.update
      const entries = readRows(sessionId, snapshotSeq)
      return { snapshot, snapshotSeq, entries } satisfies StoredSession
    },
    async readSince(sessionId, afterSeq) {
      const snapshotSeq = statements.getSnapshot.get(sessionId)?.upto_seq ?? 0
      return readRows(sessionId, Math.max(afterSeq, snapshotSeq))
    },
    async replacePrefix(sessionId, snapshot, uptoSeq) {
      db.transaction(() => {
        if (statements.getSession.get(sessionId) === undefined) return
        statements.upsertSnapshot.run(sessionId, uptoSeq, snapshot, crc32(snapshot), Date.now())
        statements.deletePrefix.run(sessionId, sessionId)
      })()
    },
    async deleteSession(sessionId) {
      await groupCommit.drain()
      const deleted = db.transaction(() => {
        statements.deleteUpdates.run(sessionId)
        statements.deleteSnapshot.run(sessionId)
        statements.deleteAudit.run(sessionId)
        return statements.deleteSession.run(sessionId).changes === 1
      })()
      nextSeq.delete(sessionId)
      return deleted
    },
    async close() {
      await groupCommit.drain()
      db.close()
    },
  }

  function readRows(sessionId: string, afterSeq: number): LogEntry[] {
    return checkEntries(sessionId, afterSeq, statements.readSince.all(sessionId, afterSeq), 'update')
  }
}

function openDatabase(options: SqliteUpdateLogOptions): Database.Database {
  try {
    mkdirSync(dirname(options.path), { recursive: true })
    const db = new Database(options.path)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${options.durability === 'power' ? 'FULL' : 'NORMAL'}`)
    db.exec(SCHEMA)
    addOwnerColumn(db)
    return db
  } catch (cause) {
    throw new SessionError('PERSISTENCE_FAILED', `cannot open SQLite database at ${options.path}`, {
      cause,
      details: { path: options.path },
    })
  }
}

/** Migrates a file written before sessions had owners: its sessions get owner null (only an admin may delete them). */
function addOwnerColumn(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('sessions')").all()
  if (!columns.some((column) => column.name === 'owner')) db.exec('ALTER TABLE sessions ADD COLUMN owner TEXT')
}

function toRecord(row: SessionRow): SessionRecord {
  return { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at, owner: row.owner }
}
