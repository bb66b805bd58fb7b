/**
 * sessionTitle: the title a session is shown under — its stored title (`meta.title`, PROTOCOL.md §1.3), else the
 * start of its first message (a session created without a title is named by what was asked first), else "New
 * session". Never the raw session id.
 */
import type { SessionClient } from '../../client/core/session-client.ts'
import { getSessionRoots } from '../../shared/session/session-doc.ts'

/** Longest title taken from a first message, in characters. */
const TITLE_FROM_MESSAGE_CHARS = 60

/** The start of `text` on one line, cut at a word to at most TITLE_FROM_MESSAGE_CHARS characters. */
export function titleFromMessage(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  if (line.length <= TITLE_FROM_MESSAGE_CHARS) return line
  const cut = line.slice(0, TITLE_FROM_MESSAGE_CHARS - 1)
  const word = cut.lastIndexOf(' ')
  return `${word > TITLE_FROM_MESSAGE_CHARS / 2 ? cut.slice(0, word) : cut}…`
}

/** The stored title of the session, '' when it has none yet. */
export function storedTitle(client: SessionClient): string {
  const title = getSessionRoots(client.doc).meta.get('title')
  return typeof title === 'string' ? title : ''
}

/** What the page calls the session. */
export function sessionTitle(client: SessionClient): string {
  const stored = storedTitle(client)
  if (stored !== '') return stored
  const first = client.messages().find((message) => message.role === 'user' && message.text.trim() !== '')
  return first === undefined ? 'New session' : titleFromMessage(first.text)
}
