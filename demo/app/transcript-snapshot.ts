/**
 * The transcript snapshot: the message list's HTML as the page last drew it, kept per session in localStorage, so a
 * reload draws the transcript in its first frame from an inline script (first-paint.ts), before the page's script is
 * loaded and the offline copy read into Yjs (docs/offline.md § First paint). It is a picture, not a copy: the page
 * replaces it with the list drawn from the session as soon as it has one, and nothing is ever read back from it. A
 * deleted session's snapshot is removed with the rest of its offline copy.
 */
import { DEMO_STORAGE_KEYS } from './demo-storage-keys.ts'

/** Longest snapshot kept, in characters of HTML: a longer list keeps its end (what the reader sees first). */
const MAX_SNAPSHOT_CHARS = 128 * 1024

/** Set on the message list while it shows a snapshot. */
const SNAPSHOT_MARK = 'snapshot'

function keyOf(sessionId: string): string {
  return `${DEMO_STORAGE_KEYS.TRANSCRIPT_SNAPSHOT}${sessionId}`
}

/** The snapshot kept for `sessionId`, if any. */
export function readTranscriptSnapshot(sessionId: string): string | undefined {
  return localStorage.getItem(keyOf(sessionId)) ?? undefined
}

/**
 * Keeps `html` as the snapshot of `sessionId`. When storage is full, the other sessions' snapshots make room; when it
 * still does not fit, this session keeps none (an old one would show a transcript that is no longer current).
 */
export function writeTranscriptSnapshot(sessionId: string, html: string): void {
  const key = keyOf(sessionId)
  try {
    localStorage.setItem(key, html)
  } catch {
    // reason: storage is full; the other sessions' snapshots are dropped to make room for the open one
    for (const other of Object.keys(localStorage)) {
      if (other.startsWith(DEMO_STORAGE_KEYS.TRANSCRIPT_SNAPSHOT) && other !== key) localStorage.removeItem(other)
    }
    try {
      localStorage.setItem(key, html)
    } catch {
      // reason: still full (or storage refused): no snapshot, the page paints from the offline copy as before
      localStorage.removeItem(key)
    }
  }
}

/** Removes the snapshot of `sessionId` (a deleted session). */
export function forgetTranscriptSnapshot(sessionId: string): void {
  localStorage.removeItem(keyOf(sessionId))
}

/** Draws `html` into `list`, inert (its controls have no handlers yet), scrolled to its end once it is laid out. */
export function showTranscriptSnapshot(list: HTMLElement, html: string): void {
  list.innerHTML = html
  list.inert = true
  list.dataset[SNAPSHOT_MARK] = ''
  // Called after the frame's layout, before its paint: the first frame already shows the end, with no layout forced.
  const toEnd = new ResizeObserver(() => {
    toEnd.disconnect()
    list.scrollTop = list.scrollHeight
  })
  toEnd.observe(list)
}

/** Empties `list` when it shows a snapshot, for the list drawn from the session to take its place. */
export function dropTranscriptSnapshot(list: HTMLElement): void {
  if (list.dataset[SNAPSHOT_MARK] === undefined) return
  delete list.dataset[SNAPSHOT_MARK]
  list.inert = false
  list.replaceChildren()
}

/**
 * The snapshot of `list` (drawn by renderMessageList): its last messages that fit in `maxChars` (all of them when the
 * list fits), and when not even the last one does, that message with only as many of its last text chunks as fit.
 * Undefined when nothing fits. Only what is kept is serialised, so a long transcript costs no more than a short one.
 */
export function snapshotOf(list: HTMLElement, maxChars: number = MAX_SNAPSHOT_CHARS): string | undefined {
  const kept: string[] = []
  let length = 0
  for (let element = list.lastElementChild; element !== null; element = element.previousElementSibling) {
    const room = maxChars - length
    // Its text alone not fitting, its HTML cannot: that message is not serialised whole.
    const html = (element.textContent?.length ?? 0) > room ? undefined : element.outerHTML
    if (html === undefined || html.length > room) {
      if (kept.length === 0) return lastChunksOf(element, maxChars)
      break
    }
    kept.push(html)
    length += html.length
  }
  return kept.reverse().join('')
}

/** A copy of `message` with only as many of its last text chunks as fit in `maxChars`, as HTML. */
function lastChunksOf(message: Element, maxChars: number): string | undefined {
  const text = message.querySelector('.message-text')
  if (text === null) return undefined
  const copy = message.cloneNode(false) as Element
  const textCopy = text.cloneNode(false) as Element
  for (const child of message.children) copy.append(child === text ? textCopy : child.cloneNode(true))
  let length = copy.outerHTML.length
  const chunks: Element[] = []
  for (let chunk = text.lastElementChild; chunk !== null; chunk = chunk.previousElementSibling) {
    const size = chunk.outerHTML.length
    if (length + size > maxChars) break
    chunks.push(chunk)
    length += size
  }
  if (chunks.length === 0) return undefined
  textCopy.append(...chunks.reverse().map((chunk) => chunk.cloneNode(true)))
  return copy.outerHTML
}
