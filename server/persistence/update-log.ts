/**
 * UpdateLog: the append-only store behind every session. An update is durable once `append` resolves; the
 * server acknowledges an update to its client only after that (PROTOCOL.md §3). A snapshot replaces a
 * prefix of the log atomically (see compact-session.ts).
 */

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
}

/** The storage contract implemented by every backend (describeUpdateLogContract). */
export interface UpdateLog {
  /** Registers a session; returns false when it already exists. */
  createSession (record: { id: string, title: string, createdAt: number }): Promise<boolean>
  /** The session's listing row, or undefined when it was never created. */
  getSession (sessionId: string): Promise<SessionRecord | undefined>
  /** All sessions, newest first. */
  listSessions (options?: { limit?: number }): Promise<SessionRecord[]>
  /**
   * Appends updates durably, in order, and returns their seqs. Creates the session record if missing.
   * @throws SessionError PERSISTENCE_FAILED
   */
  append (sessionId: string, updates: readonly Uint8Array[]): Promise<number[]>
  /**
   * Snapshot plus log tail of a session (empty when unknown).
   * @throws SessionError LOG_CORRUPT when a stored row is unreadable
   */
  load (sessionId: string): Promise<StoredSession>
  /** Entries with seq > afterSeq still in the log, in order. */
  readSince (sessionId: string, afterSeq: number): Promise<LogEntry[]>
  /** Stores `snapshot` as covering seq ≤ uptoSeq and drops those entries, in one transaction. */
  replacePrefix (sessionId: string, snapshot: Uint8Array, uptoSeq: number): Promise<void>
  /** Removes the session's record, log rows and snapshot (right to erasure); resolves false when it was unknown. */
  deleteSession (sessionId: string): Promise<boolean>
  /** Releases connections and files. */
  close (): Promise<void>
}
