/**
 * The limits announcement (PROTOCOL.md §10.3): the one Hocuspocus stateless frame a server sends, right after a
 * connection is established, telling the client the write limits it enforces so the SDKs refuse an over-limit write
 * before it reaches the document, and its presence timeout so they renew presence often enough. The payload is JSON
 * text:
 *
 *   {"type":"session-limits","maxUpdateBytes":1048576,"maxUserTextChars":100000,"presenceTimeoutMs":15000}
 *
 * A server with a message policy (PROTOCOL.md §8.8) adds `"policyHoldBackChars":64`: streaming writers hold back the
 * trailing word and the number before it, at most about that much, until more follows or the reply ends.
 */
import type { WriteLimits } from '../limits/session-limits.ts'
import { readStatelessObject } from './read-stateless-object.ts'

/** The `type` field of the announcement's JSON payload. */
export const SESSION_LIMITS_ANNOUNCEMENT_TYPE = 'session-limits'

/**
 * The stateless payload announcing `limits` and, when given, the server's presence timeout in ms and the hold-back of
 * its message policy in characters.
 */
export function encodeSessionLimitsAnnouncement(
  limits: WriteLimits,
  presenceTimeoutMs?: number,
  policyHoldBackChars?: number,
): string {
  return JSON.stringify({
    type: SESSION_LIMITS_ANNOUNCEMENT_TYPE,
    maxUpdateBytes: limits.maxUpdateBytes,
    maxUserTextChars: limits.maxUserTextChars,
    ...(presenceTimeoutMs === undefined ? {} : { presenceTimeoutMs }),
    ...(policyHoldBackChars === undefined ? {} : { policyHoldBackChars }),
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

/**
 * The presence timeout an announcement carries, in ms; undefined when the payload is not an announcement or the field
 * is missing (an older server) or not a positive safe integer.
 */
export function decodeAnnouncedPresenceTimeout(payload: string): number | undefined {
  const presenceTimeoutMs = readStatelessObject(payload, SESSION_LIMITS_ANNOUNCEMENT_TYPE)?.presenceTimeoutMs
  return isLimit(presenceTimeoutMs) ? presenceTimeoutMs : undefined
}

/**
 * The policy hold-back an announcement carries, in characters (PROTOCOL.md §8.8); undefined when the payload is not
 * an announcement or the server has no message policy (no field, or one that is not a positive safe integer).
 */
export function decodeAnnouncedPolicyHoldBack(payload: string): number | undefined {
  const policyHoldBackChars = readStatelessObject(payload, SESSION_LIMITS_ANNOUNCEMENT_TYPE)?.policyHoldBackChars
  return isLimit(policyHoldBackChars) ? policyHoldBackChars : undefined
}

function isLimit(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0
}
