/**
 * The session list as the page last fetched it, kept in localStorage so a page loaded with no network still lists
 * the sessions opened before (docs/offline.md § Reading and writing offline). A deleted session leaves it.
 */
import { DEMO_STORAGE_KEYS } from './demo-storage-keys.ts'
import type { SessionSummary } from './sessions-api.ts'

/** The kept list, or an empty one when none was kept (or it does not parse). */
export function readSessionListCache(): SessionSummary[] {
  try {
    const kept: unknown = JSON.parse(localStorage.getItem(DEMO_STORAGE_KEYS.SESSION_LIST) ?? '[]')
    return Array.isArray(kept)
      ? kept.filter((entry): entry is SessionSummary => typeof (entry as SessionSummary | null)?.id === 'string')
      : []
  } catch {
    // reason: a value this page did not write is no list; the next fetch replaces it
    return []
  }
}

/** Keeps `sessions` as the list to show offline; returns them. */
export function writeSessionListCache(sessions: SessionSummary[]): SessionSummary[] {
  localStorage.setItem(DEMO_STORAGE_KEYS.SESSION_LIST, JSON.stringify(sessions))
  return sessions
}

/** Removes a deleted session from the kept list. */
export function forgetCachedSession(sessionId: string): void {
  writeSessionListCache(readSessionListCache().filter((session) => session.id !== sessionId))
}
