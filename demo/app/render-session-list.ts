/**
 * renderSessionList: the sidebar's list of sessions, one link each, the open one marked `aria-current`.
 */
import { byTestId } from './by-test-id.ts'
import type { SessionSummary } from './sessions-api.ts'

/** Replaces the sidebar's links with one per session; `current` is the open session's id. */
export function renderSessionList(sessions: readonly SessionSummary[], current: string): void {
  const list = byTestId('session-list')
  list.replaceChildren(
    ...sessions.map((session) => {
      const link = document.createElement('a')
      link.className = 'session-link'
      link.href = `?session=${encodeURIComponent(session.id)}`
      link.textContent = session.title || session.id
      if (session.id === current) link.setAttribute('aria-current', 'page')
      return link
    }),
  )
}
