/**
 * SQLite UpdateLog: the shared contract on a real database file in a fresh temp folder, plus corruption
 * detection (damaged bytes, missing rows) by editing the file directly with better-sqlite3.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { isSessionError, type SessionError } from '../../shared/errors/session-error.ts'
import { createSqliteUpdateLog } from './sqlite-update-log.ts'
import { describeUpdateLogContract } from './update-log.contract.ts'
import type { UpdateLog } from './update-log.ts'

const tempDirs: string[] = []
const pathOf = new WeakMap<UpdateLog, string>()

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

function freshPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-sqlite-log-'))
  tempDirs.push(dir)
  return join(dir, 'sessions.sqlite')
}

function openLog(path: string): UpdateLog {
  const log = createSqliteUpdateLog({ path })
  pathOf.set(log, path)
  return log
}

function reopenLog(closed: UpdateLog): UpdateLog {
  const path = pathOf.get(closed)
  if (path === undefined) throw new Error('log was not opened by this test file')
  return openLog(path)
}

describeUpdateLogContract(
  'sqlite',
  async () => openLog(freshPath()),
  async (closed) => reopenLog(closed),
)

describe('createSqliteUpdateLog: audit rows', () => {
  it('stores an update only together with its audit row: a failing audit insert rolls the append back', async () => {
    const path = freshPath()
    const seed = openLog(path)
    await seed.createSession({ id: 's', title: '', createdAt: Date.now() })
    await seed.append('s', [Uint8Array.of(1)])
    await seed.close()
    const db = new Database(path)
    db.exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit refused'); END")
    db.close()
    const log = openLog(path)
    try {
      await expect(log.append('s', [Uint8Array.of(2)])).rejects.toMatchObject({ code: 'PERSISTENCE_FAILED' })
      expect((await log.load('s')).entries.map((entry) => entry.seq)).toEqual([1])
    } finally {
      await log.close()
    }
    const repaired = new Database(path)
    repaired.exec('DROP TRIGGER refuse_audit')
    repaired.close()
    const reopened = openLog(path)
    try {
      expect(await reopened.append('s', [Uint8Array.of(3)])).toEqual([2])
      expect((await reopened.readAudit('s')).map((entry) => entry.seq)).toEqual([1, 2])
    } finally {
      await reopened.close()
    }
  })
})

describe('createSqliteUpdateLog: migration', () => {
  it('adds the owner column to a file written before sessions had owners; its sessions get owner null', async () => {
    const path = freshPath()
    const old = new Database(path)
    old.exec(
      'CREATE TABLE sessions (id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)',
    )
    old
      .prepare('INSERT INTO sessions (id, title, created_at, updated_at) VALUES (?, ?, ?, ?)')
      .run('old', 'Before owners', 1_000, 2_000)
    old.close()
    const log = openLog(path)
    try {
      expect(await log.getSession('old')).toEqual({
        id: 'old',
        title: 'Before owners',
        createdAt: 1_000,
        updatedAt: 2_000,
        owner: null,
      })
      await log.createSession({ id: 'new', title: '', createdAt: 3_000, owner: 'alice' })
      expect(await log.getSession('new')).toMatchObject({ owner: 'alice' })
      expect(await log.append('old', [Uint8Array.of(1)])).toEqual([1])
    } finally {
      await log.close()
    }
    const reopened = openLog(path)
    try {
      expect((await reopened.listSessions()).map((record) => [record.id, record.owner])).toEqual([
        ['old', null],
        ['new', 'alice'],
      ])
    } finally {
      await reopened.close()
    }
  })
})

describe('createSqliteUpdateLog: corruption', () => {
  /** Writes three updates to `sessionId`, closes the log and returns the file path. */
  async function seedLog(sessionId: string, extra?: (log: UpdateLog) => Promise<void>): Promise<string> {
    const path = freshPath()
    const log = openLog(path)
    for (const id of [sessionId, 'bystander']) await log.createSession({ id, title: '', createdAt: Date.now() })
    await log.append(sessionId, [Uint8Array.of(1, 1), Uint8Array.of(2, 2), Uint8Array.of(3, 3)])
    await log.append('bystander', [Uint8Array.of(9)])
    await extra?.(log)
    await log.close()
    return path
  }

  function editDatabase(path: string, edit: (db: Database.Database) => void): void {
    const db = new Database(path)
    try {
      edit(db)
    } finally {
      db.close()
    }
  }

  async function loadError(
    path: string,
    sessionId: string,
    read: (log: UpdateLog) => Promise<unknown> = (log) => log.load(sessionId),
  ): Promise<SessionError> {
    const log = openLog(path)
    try {
      const error: unknown = await read(log).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(isSessionError(error), `expected a SessionError, got ${String(error)}`).toBe(true)
      return error as SessionError
    } finally {
      await log.close()
    }
  }

  it("rejects load with LOG_CORRUPT naming the session and seq when a row's bytes are damaged", async () => {
    const sessionId = 'damaged-row'
    const path = await seedLog(sessionId)
    editDatabase(path, (db) => {
      const changed = db
        .prepare('UPDATE updates SET data = ? WHERE session_id = ? AND seq = ?')
        .run(Buffer.from([2, 0xff]), sessionId, 2).changes
      expect(changed).toBe(1)
    })
    const error = await loadError(path, sessionId)
    expect(error.code).toBe('LOG_CORRUPT')
    expect(error.details).toEqual({ sessionId, seq: 2 })
    expect(error.message).toContain(sessionId)
  })

  it('rejects load with LOG_CORRUPT naming the missing seq when a middle row is deleted', async () => {
    const sessionId = 'missing-row'
    const path = await seedLog(sessionId)
    editDatabase(path, (db) => {
      expect(db.prepare('DELETE FROM updates WHERE session_id = ? AND seq = ?').run(sessionId, 2).changes).toBe(1)
    })
    const error = await loadError(path, sessionId)
    expect(error.code).toBe('LOG_CORRUPT')
    expect(error.details).toEqual({ sessionId, seq: 2 })
    expect(error.message).toContain(sessionId)
  })

  it('rejects load with LOG_CORRUPT at seq 1 when the first row is deleted', async () => {
    const sessionId = 'missing-first'
    const path = await seedLog(sessionId)
    editDatabase(path, (db) => {
      expect(db.prepare('DELETE FROM updates WHERE session_id = ? AND seq = ?').run(sessionId, 1).changes).toBe(1)
    })
    const error = await loadError(path, sessionId)
    expect(error.code).toBe('LOG_CORRUPT')
    expect(error.details).toEqual({ sessionId, seq: 1 })
  })

  it('rejects load with LOG_CORRUPT when a stored checksum no longer matches', async () => {
    const sessionId = 'bad-crc'
    const path = await seedLog(sessionId)
    editDatabase(path, (db) => {
      db.prepare('UPDATE updates SET crc = crc + 1 WHERE session_id = ? AND seq = ?').run(sessionId, 3)
    })
    const error = await loadError(path, sessionId)
    expect(error.code).toBe('LOG_CORRUPT')
    expect(error.details).toEqual({ sessionId, seq: 3 })
  })

  it('rejects load with LOG_CORRUPT naming uptoSeq when the snapshot bytes are damaged', async () => {
    const sessionId = 'damaged-snapshot'
    const path = await seedLog(sessionId, (log) => log.replacePrefix(sessionId, Uint8Array.of(5, 5, 5), 2))
    editDatabase(path, (db) => {
      expect(
        db.prepare('UPDATE snapshots SET data = ? WHERE session_id = ?').run(Buffer.from([5, 5, 6]), sessionId).changes,
      ).toBe(1)
    })
    const error = await loadError(path, sessionId)
    expect(error.code).toBe('LOG_CORRUPT')
    expect(error.details).toEqual({ sessionId, seq: 2 })
    expect(error.message).toContain(sessionId)
  })

  it('rejects readSince with LOG_CORRUPT when a row it returns is damaged', async () => {
    const sessionId = 'damaged-tail'
    const path = await seedLog(sessionId)
    editDatabase(path, (db) => {
      db.prepare('UPDATE updates SET data = ? WHERE session_id = ? AND seq = ?').run(Buffer.from([0]), sessionId, 3)
    })
    const error = await loadError(path, sessionId, (log) => log.readSince(sessionId, 1))
    expect(error.code).toBe('LOG_CORRUPT')
    expect(error.details).toEqual({ sessionId, seq: 3 })
  })

  it('still loads other sessions of a file with one damaged session', async () => {
    const sessionId = 'damaged-neighbour'
    const path = await seedLog(sessionId)
    editDatabase(path, (db) => {
      db.prepare('DELETE FROM updates WHERE session_id = ? AND seq = ?').run(sessionId, 2)
    })
    const log = openLog(path)
    try {
      const other = await log.load('bystander')
      expect(other.entries.map((entry) => Array.from(entry.update))).toEqual([[9]])
    } finally {
      await log.close()
    }
  })
})
