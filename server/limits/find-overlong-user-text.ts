/**
 * findOverlongUserText: after an update has been applied to a scratch copy of a session, finds a user message or
 * steering entry it wrote into whose text is now longer than the limit (PROTOCOL.md §10.1). Only entries the update
 * wrote into are measured (entries-written-by.ts), so the cost follows the update, not the session.
 */
import * as Y from 'yjs'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'
import type { WrittenEntry } from '../governance/entries-written-by.ts'

/** An entry over the limit. */
export interface OverlongUserText {
  readonly root: typeof SESSION_ROOTS.MESSAGES | typeof SESSION_ROOTS.STEERING
  readonly entryId: string
  readonly chars: number
}

/** Measures `entries` (written by an update, on the document holding it) against `maxChars`. */
export function findOverlongUserText(entries: readonly WrittenEntry[], maxChars: number): OverlongUserText | undefined {
  for (const entry of entries) {
    const map =
      entry.item.content instanceof Y.ContentType && entry.item.content.type instanceof Y.Map
        ? (entry.item.content.type as Y.Map<unknown>)
        : undefined
    if (map === undefined) continue
    const chars =
      entry.root === SESSION_ROOTS.MESSAGES
        ? userMessageChars(map)
        : entry.root === SESSION_ROOTS.STEERING
          ? steerChars(map)
          : 0
    if (chars > maxChars) return { root: entry.root as OverlongUserText['root'], entryId: String(map.get('id')), chars }
  }
  return undefined
}

function userMessageChars(message: Y.Map<unknown>): number {
  if (message.get('role') !== 'user') return 0
  const parts = message.get('parts')
  if (!(parts instanceof Y.Array)) return 0
  let chars = 0
  for (const part of parts.toArray() as unknown[]) {
    const text = part instanceof Y.Map ? part.get('text') : undefined
    if (text instanceof Y.Text) chars += text.length
  }
  return chars
}

function steerChars(steer: Y.Map<unknown>): number {
  const text = steer.get('text')
  return typeof text === 'string' ? text.length : 0
}
