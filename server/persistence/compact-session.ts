/**
 * Compaction: folds a session's snapshot and log tail into one new snapshot, proves the snapshot reloads to
 * the same state (state vector and delete set), then swaps it in for the folded rows in one transaction.
 * It reads from the log, not from a live document, so an update appended while it runs has a higher seq and
 * is neither folded nor dropped.
 */
import * as Y from 'yjs'
import { SessionError } from '../../shared/errors/session-error.ts'
import { applyStoredSession } from './load-session-doc.ts'
import type { UpdateLog } from './update-log.ts'

/** What one compaction did. */
export interface CompactionResult {
  /** Highest seq folded into the new snapshot. */
  readonly uptoSeq: number
  /** Log rows replaced. */
  readonly foldedEntries: number
  /** Size of the new snapshot in bytes. */
  readonly snapshotBytes: number
}

/**
 * Compacts one session; resolves undefined when its log tail is empty.
 * @throws SessionError PERSISTENCE_FAILED when the snapshot does not reload to the same state
 */
export async function compactSession(log: UpdateLog, sessionId: string): Promise<CompactionResult | undefined> {
  const stored = await log.load(sessionId)
  if (stored.entries.length === 0) return undefined
  const { doc, lastSeq } = applyStoredSession(sessionId, stored)
  const snapshot = Y.encodeStateAsUpdate(doc)
  const reloaded = new Y.Doc()
  Y.applyUpdate(reloaded, snapshot)
  if (!Y.equalSnapshots(Y.snapshot(doc), Y.snapshot(reloaded))) {
    throw new SessionError(
      'PERSISTENCE_FAILED',
      `session ${sessionId}: snapshot does not reload to the logged state; log kept`,
      {
        details: { sessionId, uptoSeq: lastSeq },
      },
    )
  }
  await log.replacePrefix(sessionId, snapshot, lastSeq)
  doc.destroy()
  reloaded.destroy()
  return { uptoSeq: lastSeq, foldedEntries: stored.entries.length, snapshotBytes: snapshot.byteLength }
}
