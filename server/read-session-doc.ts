/**
 * readSessionDoc: reads a session's document without keeping it loaded — the live document when this node has it
 * loaded, else a scratch copy rebuilt from the store and dropped afterwards. Used by the transcript route and the
 * retention sweep.
 */
import type { Hocuspocus } from '@hocuspocus/server'
import type * as Y from 'yjs'
import { applyStoredSession } from './persistence/load-session-doc.ts'
import type { UpdateLog } from './persistence/update-log.ts'

/**
 * Returns `read` of the session's document (an empty one when the session is unknown).
 * @throws SessionError LOG_CORRUPT when a stored row is unreadable
 */
export async function readSessionDoc<T>(
  hocuspocus: Hocuspocus,
  log: UpdateLog,
  sessionId: string,
  read: (doc: Y.Doc) => T,
): Promise<T> {
  const live = hocuspocus.documents.get(sessionId)
  if (live !== undefined) return read(live)
  const { doc } = applyStoredSession(sessionId, await log.load(sessionId))
  try {
    return read(doc)
  } finally {
    doc.destroy()
  }
}
