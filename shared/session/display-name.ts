/**
 * Display names of people (PROTOCOL.md §1.3, `people`): what a valid name is, how a name is cleaned before it is
 * stored, and the initials shown for a person. One definition for the schema check, the server's token check, the
 * SDKs and any UI.
 */
import { MAX_DISPLAY_NAME_CHARS } from './session-schema.ts'

/** Why a name is refused, for errors and misfit reports. */
export const DISPLAY_NAME_RULE = `must be 1–${MAX_DISPLAY_NAME_CHARS} characters, trimmed, without control characters`

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this pattern refuses
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/** True when `name` may be stored as is: trimmed, 1–MAX_DISPLAY_NAME_CHARS characters, no control characters. */
export function isDisplayName(name: string): boolean {
  return (
    name.length > 0 && name.length <= MAX_DISPLAY_NAME_CHARS && name.trim() === name && !CONTROL_CHARACTERS.test(name)
  )
}

/**
 * `name` as it is stored: runs of white space (including line breaks) become one space, ends trimmed. Undefined when
 * the result is not a valid display name (empty, too long).
 */
export function normalizeDisplayName(name: string): string | undefined {
  const cleaned = name.replace(/\s+/gu, ' ').trim()
  return isDisplayName(cleaned) ? cleaned : undefined
}

/**
 * One or two capital letters for an avatar: the first letters of the first and last words of `name` ("Ada
 * Lovelace" → "AL", "bob" → "B"); words are split on spaces, dots, hyphens and underscores, so a principal id such
 * as `ada.lovelace` works too. Letters outside Latin script are kept as they are ("李小龙" → "李"); a name without
 * letters or digits gives "?".
 */
export function personInitials(name: string): string {
  const words = name
    .split(/[\s._@-]+/u)
    .map((word) => [...word].find((character) => /[\p{L}\p{N}]/u.test(character)))
    .filter((letter): letter is string => letter !== undefined)
  const first = words[0]
  if (first === undefined) return '?'
  const last = words.length > 1 ? words[words.length - 1] : undefined
  return `${first}${last ?? ''}`.toLocaleUpperCase()
}
