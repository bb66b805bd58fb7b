/**
 * The limits announcement (PROTOCOL.md §10.3): the one Hocuspocus stateless frame a server sends, right after a
 * connection is established, telling the client the write limits it enforces so the SDKs refuse an over-limit write
 * before it reaches the document. The payload is JSON text:
 *
 *   {"type":"session-limits","maxUpdateBytes":1048576,"maxUserTextChars":100000}
 */
import type { WriteLimits } from '../limits/session-limits.ts'
import { readStatelessObject } from './read-stateless-object.ts'

/** The `type` field of the announcement's JSON payload. */
export const SESSION_LIMITS_ANNOUNCEMENT_TYPE = 'session-limits'

/** The stateless payload announcing `limits`. */
export function encodeSessionLimitsAnnouncement(limits: WriteLimits): string {
  return JSON.stringify({
    type: SESSION_LIMITS_ANNOUNCEMENT_TYPE,
    maxUpdateBytes: limits.maxUpdateBytes,
    maxUserTextChars: limits.maxUserTextChars,
  })
}

/**
 * The limits a stateless payload announces, or undefined when it is not an announcement or names a limit that is not
 * a positive safe integer (clients MUST ignore such payloads, §10.3).
 */
export function decodeSessionLimitsAnnouncement(payload: string): WriteLimits | undefined {
  const fields = readStatelessObject(payload, SESSION_LIMITS_ANNOUNCEMENT_TYPE)
  if (fields === undefined) return undefined
  const { maxUpdateBytes, maxUserTextChars } = fields
  if (!isLimit(maxUpdateBytes) || !isLimit(maxUserTextChars)) return undefined
  return { maxUpdateBytes, maxUserTextChars }
}

function isLimit(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0
}
