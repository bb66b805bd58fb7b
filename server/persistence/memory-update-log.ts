/**
 * UpdateLog in process memory: nothing survives a restart. It is the "no persistence" baseline of the
 * benchmarks and a store for tests of code above the log; it passes the same contract suite as the real stores.
 */
import { auditPageSize } from './audit-page-size.ts'
import { sessionNotFound } from './session-not-found.ts'
import {
  SERVER_WRITE_ORIGIN,
  type AuditEntry,
  type LogEntry,
  type SessionRecord,
  type UpdateLog,
} from './update-log.ts'

interface MemorySession {
  record: SessionRecord
  snapshot: Uint8Array | undefined
  snapshotSeq: number
  entries: LogEntry[]
  audit: AuditEntry[]
  nextSeq: number
}

/** Creates an empty in-memory log. */
export function createMemoryUpdateLog(): UpdateLog {
  const sessions = new Map<string, MemorySession>()
  const tail = (session: MemorySession | undefined, afterSeq: number): LogEntry[] =>
    session?.entries
      .filter((entry) => entry.seq > afterSeq)
      .map((entry) => ({ seq: entry.seq, update: entry.update.slice() })) ?? []

  return {
    kind: 'memory',
    async createSession({ id, title, createdAt, owner = null }) {
      if (sessions.has(id)) return false
      sessions.set(id, {
        record: { id, title, createdAt, updatedAt: createdAt, owner },
        snapshot: undefined,
        snapshotSeq: 0,
        entries: [],
        audit: [],
        nextSeq: 1,
      })
      return true
    },
    async getSession(id) {
      return sessions.get(id)?.record
    },
    async setSessionTitle(id, title) {
      const session = sessions.get(id)
      if (session === undefined) return false
      session.record = { ...session.record, title }
      return true
    },
    async listSessions({ limit = 100 } = {}) {
      return [...sessions.values()]
        .map((session) => session.record)
        .sort((a, b) => b.updatedAt - a.updatedAt)
        .slice(0, limit)
    },
    async listIdleSessions({ updatedBefore, limit, after }) {
      const isAfter = (record: SessionRecord): boolean =>
        after === undefined ||
        record.updatedAt > after.updatedAt ||
        (record.updatedAt === after.updatedAt && record.id > after.id)
      return [...sessions.values()]
        .map((session) => session.record)
        .filter((record) => record.updatedAt < updatedBefore && isAfter(record))
        .sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit)
    },
    async append(sessionId, updates, origin = SERVER_WRITE_ORIGIN) {
      const session = sessions.get(sessionId)
      if (session === undefined) throw sessionNotFound(sessionId)
      const at = Date.now()
      const seqs = updates.map((update) => {
        const seq = session.nextSeq++
        session.entries.push({ seq, update: update.slice() })
        session.audit.push({ ...origin, seq, at, bytes: update.byteLength })
        return seq
      })
      session.record = { ...session.record, updatedAt: at }
      return seqs
    },
    async readAudit(sessionId, options = {}) {
      const afterSeq = options.afterSeq ?? 0
      return (sessions.get(sessionId)?.audit ?? [])
        .filter((entry) => entry.seq > afterSeq)
        .slice(0, auditPageSize(options.limit))
    },
    async load(sessionId) {
      const session = sessions.get(sessionId)
      return {
        snapshot: session?.snapshot?.slice(),
        snapshotSeq: session?.snapshotSeq ?? 0,
        entries: tail(session, session?.snapshotSeq ?? 0),
      }
    },
    async readSince(sessionId, afterSeq) {
      const session = sessions.get(sessionId)
      return tail(session, Math.max(afterSeq, session?.snapshotSeq ?? 0))
    },
    async replacePrefix(sessionId, snapshot, uptoSeq) {
      const session = sessions.get(sessionId)
      if (session === undefined || uptoSeq <= session.snapshotSeq) return
      session.snapshot = snapshot.slice()
      session.snapshotSeq = uptoSeq
      session.entries = session.entries.filter((entry) => entry.seq > uptoSeq)
    },
    async deleteSession(sessionId) {
      return sessions.delete(sessionId)
    },
    async close() {},
  }
}
