/**
 * UpdateLog: the append-only store behind every session. An update is durable once `append` resolves; the
 * server acknowledges an update to its client only after that (PROTOCOL.md §3). A snapshot replaces a
 * prefix of the log atomically (see compact-session.ts). Every append also stores one audit row per update (who
 * wrote it, when, how many bytes, which entries it touched) in the same transaction; audit rows outlive compaction
 * and go only with deleteSession (PROTOCOL.md §3.9). Only createSession creates a session's record, and writes need
 * it: a write that arrives after deleteSession (from another node, say) never re-creates an erased session.
 */
import type { SpanContext } from '@opentelemetry/api'
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'

/** One stored update. `seq` grows by one per append within a session, starting at 1. */
export interface LogEntry {
  readonly seq: number
  readonly update: Uint8Array
}

/** What a session needs to be rebuilt: the newest snapshot (covering seq ≤ snapshotSeq) and the log tail. */
export interface StoredSession {
  readonly snapshot: Uint8Array | undefined
  /** Highest seq folded into `snapshot`; 0 when there is none. */
  readonly snapshotSeq: number
  /** Entries with seq > snapshotSeq, in seq order. */
  readonly entries: readonly LogEntry[]
}

/** Listing row of a stored session. */
export interface SessionRecord {
  readonly id: string
  readonly title: string
  /** Epoch milliseconds. */
  readonly createdAt: number
  /** Epoch milliseconds of the newest append. */
  readonly updatedAt: number
  /**
   * Principal id of the session's creator, who may delete it (docs/security.md § Destructive actions); null when it
   * was created without an identity (auth off, or a store written before owners were recorded): then only an admin may.
   */
  readonly owner: string | null
}

/**
 * Entries an update touched, by session root: message and steer ids for `messages` and `steering`, keys for the
 * map roots (`runs`, `meta`, `context`). Roots it did not touch are absent.
 */
export type UpdateSummary = Readonly<Record<string, readonly string[]>>

/** Who wrote an update: stored in its audit row. */
export interface WriteOrigin {
  /** Token principal id; `server` for the server's own changes; `anonymous` on a server without auth. */
  readonly principal: string
  /** The token's role; `server` for the server's own changes; null without auth. */
  readonly role: PrincipalRole | 'server' | null
  /** Id of the client connection that sent it (stable for the connection's life); null for server changes. */
  readonly connection: string | null
  readonly summary: UpdateSummary
  /**
   * The span the update belongs to (an agent's reply, an HTTP append; PROTOCOL.md §12): the persist span of its
   * append is made its child. Not stored.
   */
  readonly traceParent?: SpanContext
}

/** The origin recorded when `append` is given none: the server itself. */
export const SERVER_WRITE_ORIGIN: WriteOrigin = { principal: 'server', role: 'server', connection: null, summary: {} }

/** One audit row: the origin of the update stored at `seq`. */
export interface AuditEntry extends WriteOrigin {
  readonly seq: number
  /** When it was stored, epoch milliseconds. */
  readonly at: number
  /** Size of the stored update in bytes. */
  readonly bytes: number
}

/** Largest page {@link UpdateLog.readAudit} returns. */
export const MAX_AUDIT_PAGE = 1000

/** The storage contract implemented by every backend (describeUpdateLogContract). */
export interface UpdateLog {
  /** What kind of store this is (`sqlite`, `postgres`, `memory`), named in traces; a store of your own may leave it out. */
  readonly kind?: string
  /** Registers a session with its owner (default null); returns false, changing nothing, when it already exists. */
  createSession(record: { id: string; title: string; createdAt: number; owner?: string | null }): Promise<boolean>
  /** The session's listing row, or undefined when it was never created. */
  getSession(sessionId: string): Promise<SessionRecord | undefined>
  /** Replaces the session's listed title; returns false, changing nothing, when the session was never created. */
  setSessionTitle(sessionId: string, title: string): Promise<boolean>
  /** All sessions, newest first. */
  listSessions(options?: { limit?: number }): Promise<SessionRecord[]>
  /**
   * Sessions whose newest append is older than `updatedBefore` (epoch ms, exclusive), least recently updated first
   * (ties by id), at most `limit`, starting after the session `after` names (the last of the previous page): the
   * candidates of the retention sweep (PROTOCOL.md §13).
   */
  listIdleSessions(options: {
    updatedBefore: number
    limit: number
    after?: { updatedAt: number; id: string }
  }): Promise<SessionRecord[]>
  /**
   * Appends updates durably, in order, and returns their seqs; stamps the record's `updatedAt`. Each update gets an
   * audit row with `origin` (default {@link SERVER_WRITE_ORIGIN}) in the same transaction.
   * @throws SessionError SESSION_NOT_FOUND when the session has no record (never created, or deleted): nothing is stored
   * @throws SessionError PERSISTENCE_FAILED
   */
  append(sessionId: string, updates: readonly Uint8Array[], origin?: WriteOrigin): Promise<number[]>
  /**
   * Audit rows with seq > `afterSeq` (default 0), in seq order, at most `limit` (default 100, capped at
   * {@link MAX_AUDIT_PAGE}). Compaction keeps them; deleteSession removes them.
   */
  readAudit(sessionId: string, options?: { afterSeq?: number; limit?: number }): Promise<AuditEntry[]>
  /**
   * Snapshot plus log tail of a session (empty when unknown).
   * @throws SessionError LOG_CORRUPT when a stored row is unreadable
   */
  load(sessionId: string): Promise<StoredSession>
  /** Entries with seq > afterSeq still in the log, in order. */
  readSince(sessionId: string, afterSeq: number): Promise<LogEntry[]>
  /**
   * Stores `snapshot` as covering seq ≤ uptoSeq and drops those entries, in one transaction. Does nothing for a
   * session without a record (a compaction that read the session before it was deleted).
   */
  replacePrefix(sessionId: string, snapshot: Uint8Array, uptoSeq: number): Promise<void>
  /**
   * Removes the session's record, log rows, snapshot and audit rows (right to erasure), including those of writes
   * committed while it ran; resolves false when it was unknown.
   */
  deleteSession(sessionId: string): Promise<boolean>
  /** Releases connections and files. */
  close(): Promise<void>
}
