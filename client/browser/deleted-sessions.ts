/**
 * The sessions this browser saw deleted (right to erasure, docs/security.md § Destructive actions): only their ids,
 * kept in Web Storage (localStorage), so a page loaded later — also with no network — can tell that an address
 * names a deleted session instead of opening it, which would make a new, empty offline copy and, once connected,
 * create the session again on the server (PROTOCOL.md §4). The browser client records an id when the server closes
 * its connection with SESSION_DELETED, right after erasing the session's offline copy.
 */

/** Web Storage key of the list of deleted session ids. */
const DELETED_SESSIONS_STORAGE_KEY = 'lifeline:deleted-sessions'

/** Most ids remembered; the oldest are forgotten first. */
const MAX_REMEMBERED_DELETIONS = 500

function readIds(storage: Storage): string[] {
  try {
    const kept: unknown = JSON.parse(storage.getItem(DELETED_SESSIONS_STORAGE_KEY) ?? '[]')
    return Array.isArray(kept) ? kept.filter((id): id is string => typeof id === 'string') : []
  } catch {
    // reason: a value this code did not write is no list; the next deletion replaces it
    return []
  }
}

function writeIds(storage: Storage, ids: readonly string[]): void {
  try {
    storage.setItem(DELETED_SESSIONS_STORAGE_KEY, JSON.stringify(ids.slice(-MAX_REMEMBERED_DELETIONS)))
  } catch {
    // reason: a full or unavailable storage only costs the note on a later load; the copy is erased all the same
  }
}

/** Records that the server deleted `sessionId`. */
export function rememberDeletedSession(sessionId: string, storage: Storage = localStorage): void {
  writeIds(storage, [...readIds(storage).filter((id) => id !== sessionId), sessionId])
}

/**
 * True when this browser saw `sessionId` deleted (its connection closed with SESSION_DELETED). Check it before
 * `createBrowserSessionClient`: opening a deleted session would make a new offline copy, and connecting would create
 * the session again.
 */
export function wasSessionDeletedHere(sessionId: string, storage: Storage = localStorage): boolean {
  return readIds(storage).includes(sessionId)
}

/** Forgets that `sessionId` was deleted, e.g. once the server lists a session of that id again. */
export function forgetDeletedSession(sessionId: string, storage: Storage = localStorage): void {
  const ids = readIds(storage)
  if (ids.includes(sessionId))
    writeIds(
      storage,
      ids.filter((id) => id !== sessionId),
    )
}
