/**
 * Rebuilds a session's Y.Doc from its stored snapshot and log tail. Every row is applied; a row Yjs cannot
 * decode fails the whole load with LOG_CORRUPT naming the session and seq (never a silent partial load).
 */
import * as Y from 'yjs'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { StoredSession } from './update-log.ts'

/** Transaction origin of updates replayed from storage; the durable-log extension never re-logs them. */
const PERSISTENCE_ORIGIN = {
  source: 'local',
  skipStoreHooks: true,
  context: { lifeline: 'persistence' },
} as const

/**
 * Applies `stored` to `doc` (a fresh doc unless given) and returns the doc and the highest seq applied.
 * @throws SessionError LOG_CORRUPT
 */
export function applyStoredSession(
  sessionId: string,
  stored: StoredSession,
  doc: Y.Doc = new Y.Doc(),
): { doc: Y.Doc; lastSeq: number } {
  let lastSeq = stored.snapshotSeq
  const apply = (update: Uint8Array, seq: number, kind: string): void => {
    try {
      Y.applyUpdate(doc, update, PERSISTENCE_ORIGIN)
    } catch (cause) {
      throw new SessionError('LOG_CORRUPT', `session ${sessionId}: ${kind} at seq ${seq} cannot be decoded`, {
        cause,
        details: { sessionId, seq },
      })
    }
  }
  doc.transact(() => {
    if (stored.snapshot !== undefined) apply(stored.snapshot, stored.snapshotSeq, 'snapshot')
    for (const entry of stored.entries) {
      apply(entry.update, entry.seq, 'update')
      lastSeq = entry.seq
    }
  }, PERSISTENCE_ORIGIN)
  return { doc, lastSeq }
}
