/**
 * The `people` root of a session document (PROTOCOL.md §1.3, §8.4): each person's display name, keyed by principal
 * id, as `{ name, setAt }`. Written by that person only (the server refuses anyone else's write); read by every
 * client, so a name set on one device shows everywhere. Readers skip entries that do not fit (check-entry.ts).
 */
import type * as Y from 'yjs'
import { isPersonEntry } from './check-entry.ts'
import { SESSION_ROOTS, type PersonView } from './session-schema.ts'

function peopleOf(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap<unknown>(SESSION_ROOTS.PEOPLE)
}

/** Every person with a display name in the session. */
export function readPeople(doc: Y.Doc): PersonView[] {
  const people: PersonView[] = []
  peopleOf(doc).forEach((value, principalId) => {
    if (isPersonEntry(value)) people.push({ principalId, name: value.name, setAt: value.setAt })
  })
  return people
}

/** The entry of `principalId`, or undefined when it has none (or one that does not fit). */
export function readPerson(doc: Y.Doc, principalId: string): PersonView | undefined {
  const value = peopleOf(doc).get(principalId)
  return isPersonEntry(value) ? { principalId, name: value.name, setAt: value.setAt } : undefined
}

/** Sets the display name of `principalId`; `name` must already be valid (normalizeDisplayName). */
export function setPersonName(doc: Y.Doc, principalId: string, name: string, setAt: number): void {
  peopleOf(doc).set(principalId, { name, setAt })
}
