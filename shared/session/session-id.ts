/**
 * Session ids: the Y.Doc name and the path segment of every session route. Restricted to URL-safe characters
 * so an id never needs escaping in a path, a query or a log.
 */
import { SessionError } from '../errors/session-error.ts'

/** Longest session id, in characters. */
export const MAX_SESSION_ID_CHARS = 128

/** Allowed session ids: 1–MAX_SESSION_ID_CHARS characters of `A–Z a–z 0–9 _ -`. */
export const SESSION_ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_SESSION_ID_CHARS}}$`)

/** True when `value` is a well-formed session id. */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID_PATTERN.test(value)
}

/**
 * Returns `value` when it is a well-formed session id.
 * @throws SessionError INVALID_SESSION_ID
 */
export function parseSessionId(value: unknown): string {
  if (isSessionId(value)) return value
  throw new SessionError('INVALID_SESSION_ID', `session id must match ${String(SESSION_ID_PATTERN)}`, {
    details: { sessionId: value },
  })
}

/** A new random session id (`s_` + 20 base-36 characters). */
export function createSessionId(): string {
  return `s_${createRandomId(20)}`
}

/** A random id of `length` base-36 characters, from the platform's cryptographic generator. */
export function createRandomId(length = 16): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length))
  let id = ''
  for (const byte of bytes) id += (byte % 36).toString(36)
  return id
}
