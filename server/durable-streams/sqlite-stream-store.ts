/**
 * StreamStore on an SQLite file (better-sqlite3): one row of JSON metadata per stream and one row per message.
 * `change` is one transaction. It may share the file of the SQLite UpdateLog (its own tables, its own
 * connection; WAL lets both write).
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { assert } from '../../shared/errors/invariant.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { StreamDecision, StreamMessage, StreamMeta, StreamStore } from './stream-store.ts'
import { watchDecision } from './watch-decision.ts'

/** Options of {@link createSqliteStreamStore}. */
export interface SqliteStreamStoreOptions {
  /** Database file path; created when missing. */
  readonly path: string
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS stream_meta (path TEXT PRIMARY KEY, meta TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stream_messages (
  path TEXT NOT NULL, idx INTEGER NOT NULL, byte_end INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (path, idx)) WITHOUT ROWID;
`

/** Opens (or creates) an SQLite-backed StreamStore. */
export function createSqliteStreamStore(options: SqliteStreamStoreOptions): StreamStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true })
  const db = new Database(options.path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  db.exec(SCHEMA)
  const statements = {
    get: db.prepare<[string], { meta: string }>('SELECT meta FROM stream_meta WHERE path = ?'),
    upsert: db.prepare(
      'INSERT INTO stream_meta (path, meta) VALUES (?, ?) ON CONFLICT (path) DO UPDATE SET meta = excluded.meta',
    ),
    insert: db.prepare('INSERT INTO stream_messages (path, idx, byte_end, data) VALUES (?, ?, ?, ?)'),
    last: db.prepare<[string], { idx: number; byte_end: number }>(
      'SELECT idx, byte_end FROM stream_messages WHERE path = ? ORDER BY idx DESC LIMIT 1',
    ),
    read: db.prepare<[string, number], { idx: number; byte_end: number; data: Buffer }>(
      'SELECT idx, byte_end, data FROM stream_messages WHERE path = ? AND idx > ? ORDER BY idx',
    ),
    list: db.prepare<[number, string], { path: string }>(
      'SELECT path FROM stream_meta WHERE substr(path, 1, ?) = ? ORDER BY path',
    ),
    deleteMeta: db.prepare('DELETE FROM stream_meta WHERE path = ?'),
    deleteMessages: db.prepare('DELETE FROM stream_messages WHERE path = ?'),
  }
  const change = db.transaction((path: string, decide: StreamDecision) => {
    const row = statements.get.get(path)
    const decided = decide(row === undefined ? undefined : (JSON.parse(row.meta) as StreamMeta))
    if (decided === undefined) return undefined
    assert(decided.meta.path === path, 'a change keeps its stream path')
    const last = statements.last.get(path)
    let index = last?.idx ?? 0
    let byteEnd = last?.byte_end ?? 0
    for (const data of decided.messages) {
      index += 1
      byteEnd += data.byteLength
      statements.insert.run(path, index, byteEnd, data)
    }
    statements.upsert.run(path, JSON.stringify(decided.meta))
    return decided
  })
  const remove = db.transaction((path: string) => {
    statements.deleteMessages.run(path)
    return statements.deleteMeta.run(path).changes === 1
  })
  return {
    async get(path) {
      const row = statements.get.get(path)
      return row === undefined ? undefined : (JSON.parse(row.meta) as StreamMeta)
    },
    async change(path, decide) {
      const watched = watchDecision(decide)
      try {
        return change(path, watched.decide)
      } catch (cause) {
        const refused = watched.thrown()
        if (refused !== undefined) throw refused.error // the decision's own failure; the transaction rolled back
        throw new SessionError('PERSISTENCE_FAILED', 'SQLite stream append failed', { cause, details: { path } })
      }
    },
    async read(path, afterIndex, maxBytes) {
      const result: StreamMessage[] = []
      let total = 0
      for (const row of statements.read.iterate(path, afterIndex)) {
        if (result.length > 0 && total + row.data.byteLength > maxBytes) break
        total += row.data.byteLength
        result.push({ index: row.idx, byteEnd: row.byte_end, data: new Uint8Array(row.data) })
      }
      return result
    },
    async list(prefix) {
      return statements.list.all(prefix.length, prefix).map((row) => row.path)
    },
    async delete(path) {
      return remove(path)
    },
    async close() {
      db.close()
    },
  }
}
