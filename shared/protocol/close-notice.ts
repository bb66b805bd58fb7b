/**
 * The close notice (PROTOCOL.md §10.6): a Hocuspocus stateless frame the server sends right before it closes a
 * connection for a rate or budget limit, carrying what the close frame cannot — the error's details, such as which
 * limit was met and `retryAfterMs`. The close frame that follows still carries the code as its reason. Payload:
 *
 *   {"type":"close-notice","code":"RATE_LIMITED","details":{"limit":"messages","retryAfterMs":800,…}}
 */
import { isErrorCode, type ErrorCode } from '../errors/error-codes.ts'
import { readStatelessObject } from './read-stateless-object.ts'

/** The `type` field of the notice's JSON payload. */
export const CLOSE_NOTICE_TYPE = 'close-notice'

/** What a close notice says. */
export interface CloseNotice {
  readonly code: ErrorCode
  readonly details: Readonly<Record<string, unknown>>
}

/** The stateless payload announcing a close for `notice.code`. */
export function encodeCloseNotice(notice: CloseNotice): string {
  return JSON.stringify({ type: CLOSE_NOTICE_TYPE, code: notice.code, details: notice.details })
}

/** The notice a stateless payload carries, or undefined when it is not a close notice (clients ignore those, §10.3). */
export function decodeCloseNotice(payload: string): CloseNotice | undefined {
  const fields = readStatelessObject(payload, CLOSE_NOTICE_TYPE)
  if (fields === undefined) return undefined
  const { code, details } = fields
  if (!isErrorCode(code) || typeof details !== 'object' || details === null || Array.isArray(details)) return undefined
  return { code, details: details as Record<string, unknown> }
}
