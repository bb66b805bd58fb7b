/**
 * The refusal notice (PROTOCOL.md §8.3, §10.1): the Hocuspocus stateless frame a server sends when it refuses an
 * inbound update. The update is neither stored nor applied and is answered `SyncStatus(false)`; the connection stays
 * open, so a client that reconnects on every close (a stock Hocuspocus provider) has no reason to send it again.
 * The payload is JSON text:
 *
 *   {"type":"update-rejected","code":"UPDATE_REJECTED","reason":"SCHEMA_MISMATCH","message":"parts must be a list"}
 *
 * `reason` names the rule: one of UPDATE_REJECTION_REASONS for `UPDATE_REJECTED`, the limit's name
 * (`maxUpdateBytes`, `maxUserTextChars`) for `UPDATE_TOO_LARGE` and `TEXT_TOO_LONG`, the missing token claim
 * (`onDeviceAgent`) for `AGENT_REPLY_FORBIDDEN`, and the policy's action (`reject` or `redact`) for `POLICY_REJECTED`
 * (PROTOCOL.md §8.8). A `redact` notice also names the message (or steer) and the spans of its text to replace,
 * offsets into the message's text as the refused update would have left it (its reasoning, with `partType`
 * `reasoning`):
 *
 *   {"type":"update-rejected","code":"POLICY_REJECTED","reason":"redact","message":"…","messageId":"m1",
 *    "spans":[{"start":8,"end":25,"replacement":"[email]"}]}
 */
import { isUpdateRejectionReason, type UpdateRejectionReason } from '../auth/update-rejection.ts'
import { areValidPolicySpans, type PolicySpan } from '../policy/message-policy.ts'
import { readStatelessObject } from './read-stateless-object.ts'

/** The `type` field of the notice's JSON payload. */
export const UPDATE_REJECTED_NOTICE_TYPE = 'update-rejected'

/**
 * Refusals one connection may receive before the server closes it with UPDATE_REJECTED (4422): enough for an honest
 * client that meets a refusal now and then, few enough that a client sending refused updates in a loop is cut off.
 */
export const MAX_REFUSED_UPDATES_PER_CONNECTION = 8

/** The limit behind each size refusal, named as in WriteLimits. */
export const LIMIT_REFUSAL_REASONS = {
  UPDATE_TOO_LARGE: 'maxUpdateBytes',
  TEXT_TOO_LONG: 'maxUserTextChars',
} as const

/** The token claim whose absence is behind each capability refusal (PROTOCOL.md §8.1). */
export const CAPABILITY_REFUSAL_REASONS = {
  AGENT_REPLY_FORBIDDEN: 'onDeviceAgent',
} as const

/** Error codes a refusal notice carries. */
export type RefusalCode =
  | 'UPDATE_REJECTED'
  | 'POLICY_REJECTED'
  | keyof typeof LIMIT_REFUSAL_REASONS
  | keyof typeof CAPABILITY_REFUSAL_REASONS

/** One refusal notice. */
export type UpdateRejectedNotice =
  | { readonly code: 'UPDATE_REJECTED'; readonly reason: UpdateRejectionReason; readonly message: string }
  | {
      readonly code: 'UPDATE_TOO_LARGE'
      readonly reason: typeof LIMIT_REFUSAL_REASONS.UPDATE_TOO_LARGE
      readonly message: string
    }
  | {
      readonly code: 'TEXT_TOO_LONG'
      readonly reason: typeof LIMIT_REFUSAL_REASONS.TEXT_TOO_LONG
      readonly message: string
    }
  | {
      readonly code: 'AGENT_REPLY_FORBIDDEN'
      readonly reason: typeof CAPABILITY_REFUSAL_REASONS.AGENT_REPLY_FORBIDDEN
      readonly message: string
    }
  /** The message policy refused the text; `message` is its reason, shown to the author. */
  | { readonly code: 'POLICY_REJECTED'; readonly reason: 'reject'; readonly message: string }
  /**
   * The message policy redacts `messageId`'s text (a steer's id for a steer): write it again with `spans` replaced
   * (PROTOCOL.md §8.8). `partType` `reasoning`: the spans are offsets into the message's reasoning text, not its text.
   */
  | {
      readonly code: 'POLICY_REJECTED'
      readonly reason: 'redact'
      readonly message: string
      readonly messageId: string
      readonly spans: readonly PolicySpan[]
      readonly partType?: 'reasoning'
    }

/** The stateless payload of `notice`. */
export function encodeUpdateRejectedNotice(notice: UpdateRejectedNotice): string {
  return JSON.stringify({
    type: UPDATE_REJECTED_NOTICE_TYPE,
    code: notice.code,
    reason: notice.reason,
    message: notice.message,
    ...(notice.code === 'POLICY_REJECTED' && notice.reason === 'redact'
      ? {
          messageId: notice.messageId,
          spans: notice.spans,
          ...(notice.partType === undefined ? {} : { partType: notice.partType }),
        }
      : {}),
  })
}

/** The notice a stateless payload carries, or undefined when it is not a well-formed refusal notice. */
export function decodeUpdateRejectedNotice(payload: string): UpdateRejectedNotice | undefined {
  const fields = readStatelessObject(payload, UPDATE_REJECTED_NOTICE_TYPE)
  if (fields === undefined) return undefined
  const { code, reason, message } = fields
  if (typeof message !== 'string') return undefined
  if (code === 'UPDATE_REJECTED') return isUpdateRejectionReason(reason) ? { code, reason, message } : undefined
  if (code === 'UPDATE_TOO_LARGE' && reason === LIMIT_REFUSAL_REASONS.UPDATE_TOO_LARGE) return { code, reason, message }
  if (code === 'TEXT_TOO_LONG' && reason === LIMIT_REFUSAL_REASONS.TEXT_TOO_LONG) return { code, reason, message }
  if (code === 'AGENT_REPLY_FORBIDDEN' && reason === CAPABILITY_REFUSAL_REASONS.AGENT_REPLY_FORBIDDEN)
    return { code, reason, message }
  if (code === 'POLICY_REJECTED' && reason === 'reject') return { code, reason, message }
  if (code === 'POLICY_REJECTED' && reason === 'redact' && typeof fields.messageId === 'string') {
    const spans = fields.spans
    const end = Array.isArray(spans) ? Math.max(0, ...spans.map((span) => Number((span as { end?: unknown }).end))) : 0
    if (!areValidPolicySpans(spans, end)) return undefined
    const redaction = { code, reason, message, messageId: fields.messageId, spans } as const
    return fields.partType === 'reasoning' ? { ...redaction, partType: 'reasoning' } : redaction
  }
  return undefined
}
