/**
 * bindPageTitle: the browser tab's title — the session's title, and the number of messages that arrived while the
 * tab was hidden ("(2) Trip to Lisbon — Lifeline"). The count resets when the tab is shown again. Timers, not
 * animation frames, drive it: a hidden tab gets no frames.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { getSessionRoots } from '../../shared/session/session-doc.ts'
import { sessionTitle } from './session-title.ts'

/** The suffix of every page title. */
const APP_NAME = 'Lifeline'
/** Changes within this many ms update the title once. */
const TITLE_DELAY_MS = 100

/** Keeps `document.title` current. */
export function bindPageTitle(client: SessionClient): void {
  const messageCount = (): number => getSessionRoots(client.doc).messages.length
  /** Number of messages when the tab was hidden; undefined while it is visible. */
  let countWhenHidden: number | undefined
  let scheduled = false
  const render = (): void => {
    scheduled = false
    // A closed client's session is gone from this page (a deleted one says so in the title itself).
    if (client.status === 'closed') return
    const unread = countWhenHidden === undefined ? 0 : Math.max(0, messageCount() - countWhenHidden)
    const title = `${unread > 0 ? `(${unread}) ` : ''}${sessionTitle(client)} — ${APP_NAME}`
    if (document.title !== title) document.title = title
  }
  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    setTimeout(render, TITLE_DELAY_MS)
  }
  const onVisibility = (): void => {
    countWhenHidden = document.visibilityState === 'hidden' ? messageCount() : undefined
    render()
  }
  client.on('change', schedule)
  document.addEventListener('visibilitychange', onVisibility)
  onVisibility()
}
