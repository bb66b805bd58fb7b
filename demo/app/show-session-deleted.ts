/**
 * showSessionDeleted: the page of a deleted session (right to erasure, docs/security.md § Destructive actions). The
 * transcript and every writing control leave the page and a note says the session was deleted; nothing of it is
 * shown again, also after a reload with no network (the SDK remembers the id, client/browser/deleted-sessions.ts).
 */
import { byTestId } from './by-test-id.ts'

/** Elements of a live session, removed for good: a late render into them shows nothing. */
const SESSION_PARTS = ['messages', 'refused-list', 'new-messages-button', 'steer-form', 'composer', 'rename-button']

/** Replaces the session's view with the deleted note. */
export function showSessionDeleted(): void {
  for (const part of SESSION_PARTS) document.querySelector(`[data-testid="${part}"]`)?.remove()
  byTestId('deleted-note').hidden = false
  byTestId('session-title').textContent = 'Deleted session'
  const badge = byTestId('status-badge')
  badge.dataset.status = 'closed'
  badge.dataset.network = navigator.onLine ? 'online' : 'offline'
  badge.textContent = 'deleted'
  document.title = 'Deleted session — Lifeline'
}
