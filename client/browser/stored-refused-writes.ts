/**
 * The refused writes of a session as the browser client keeps them in IndexedDB, next to the offline copy (in the
 * copy's database, so erasing the copy erases them too): a JSON string of each write with its refusal's code,
 * message and details, read back into `RefusedWrite`s with `SessionError`s.
 */
import { isErrorCode } from '../../shared/errors/error-codes.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { RefusedWrite } from '../core/refused-writes.ts'

/** Key of the refused writes in the offline copy's database (y-indexeddb's `custom` store). */
export const REFUSED_WRITES_KEY = 'lifeline:refused-writes'

/** `writes` as the string kept in IndexedDB. */
export function encodeRefusedWrites(writes: readonly RefusedWrite[]): string {
  return JSON.stringify(
    writes.map(({ error, ...write }) => ({
      ...write,
      error: { code: error.code, message: error.message, details: error.details },
    })),
  )
}

/** The writes kept in `value` (as `encodeRefusedWrites` wrote them); none for anything else. */
export function decodeRefusedWrites(value: unknown): RefusedWrite[] {
  if (typeof value !== 'string') return []
  let parsed: unknown
  try {
    parsed = JSON.parse(value)
  } catch {
    return [] // reason: a value this code did not write keeps nothing; the next change replaces it
  }
  if (!Array.isArray(parsed)) return []
  return parsed.flatMap((item: unknown): RefusedWrite[] => {
    if (typeof item !== 'object' || item === null) return []
    const { kind, id, entry, error } = item as Record<string, unknown>
    if ((kind !== 'message' && kind !== 'steer') || typeof id !== 'string') return []
    if (typeof entry !== 'object' || entry === null || typeof error !== 'object' || error === null) return []
    const { code, message, details } = error as Record<string, unknown>
    if (!isErrorCode(code) || typeof message !== 'string') return []
    const refusal = new SessionError(code, message, {
      details: typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {},
    })
    return [{ kind, id, entry, error: refusal } as RefusedWrite]
  })
}
