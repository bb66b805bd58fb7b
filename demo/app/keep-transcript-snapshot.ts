/**
 * keepTranscriptSnapshot: keeps the transcript snapshot of the open session (transcript-snapshot.ts) in step with the
 * message list without costing a streamed reply anything: a redraw only notes its time, and the list is written once
 * it has not changed for a while, or when the page is hidden or left (a reload, a closed tab) with a change not
 * written yet.
 */
import { snapshotOf, writeTranscriptSnapshot } from './transcript-snapshot.ts'

/** Quiet time after the last change before the snapshot is written, in ms: longer than the gaps in a stream. */
const QUIET_MS = 1000

/** Returns the function to call after every redraw of `list`, the message list of `sessionId`. */
export function keepTranscriptSnapshot(list: HTMLElement, sessionId: string): () => void {
  let changedAt = 0
  /** The one timer, armed while a change is not written; it re-arms itself while changes keep coming. */
  let timer: ReturnType<typeof setTimeout> | undefined
  const write = (): void => {
    if (timer === undefined) return
    clearTimeout(timer)
    timer = undefined
    // A list removed from the page is a deleted session's (show-session-deleted.ts): nothing of it is kept.
    if (!list.isConnected) return
    const html = snapshotOf(list)
    if (html !== undefined) writeTranscriptSnapshot(sessionId, html)
  }
  const whenQuiet = (): void => {
    const quietFor = performance.now() - changedAt
    if (quietFor >= QUIET_MS) write()
    else timer = setTimeout(whenQuiet, QUIET_MS - quietFor)
  }
  globalThis.addEventListener('pagehide', write)
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') write()
  })
  return () => {
    changedAt = performance.now()
    if (timer === undefined) timer = setTimeout(whenQuiet, QUIET_MS)
  }
}
