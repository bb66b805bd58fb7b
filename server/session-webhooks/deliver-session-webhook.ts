/**
 * One attempt to deliver one session event to one endpoint (PROTOCOL.md §9.12): the JSON body naming the event by
 * its idempotency key, signed with the endpoint's secret at the attempt's time, posted with a timeout. Any 2xx
 * answer delivers it; anything else (another status, a refused connection, the timeout) is a failed attempt.
 */
import { SESSION_WEBHOOK_HEADERS } from '../../shared/protocol/session-webhooks.ts'
import { postWebhook } from '../durable-streams/post-webhook.ts'
import type { WebhookEndpoint } from './parse-webhook-endpoint.ts'
import { signSessionWebhook } from './sign-session-webhook.ts'

/** One attempt. */
export interface SessionWebhookAttempt {
  readonly endpoint: WebhookEndpoint
  readonly sessionId: string
  /** Offset of the event in the session stream: a read from it answers the event first. */
  readonly offset: string
  /** The event as the session stream holds it (PROTOCOL.md §9.6). */
  readonly event: { readonly type: string }
  /** 1 for the first attempt. */
  readonly attempt: number
  readonly nowMs: number
  readonly timeoutMs: number
}

/** The outcome of an attempt: delivered, or why not. */
export type SessionWebhookOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string }

/** The idempotency key of the event at `offset` of session `sessionId`. */
export function webhookIdempotencyKey(sessionId: string, offset: string): string {
  return `${sessionId}:${offset}`
}

/** Posts the attempt and classifies the answer. */
export async function deliverSessionWebhook(attempt: SessionWebhookAttempt): Promise<SessionWebhookOutcome> {
  const id = webhookIdempotencyKey(attempt.sessionId, attempt.offset)
  const body = JSON.stringify({
    id,
    endpointId: attempt.endpoint.id,
    sessionId: attempt.sessionId,
    offset: attempt.offset,
    kind: attempt.event.type,
    attempt: attempt.attempt,
    event: attempt.event,
  })
  const timestamp = Math.floor(attempt.nowMs / 1000)
  const answer = await postWebhook({
    url: attempt.endpoint.url,
    headers: {
      [SESSION_WEBHOOK_HEADERS.ID]: id,
      [SESSION_WEBHOOK_HEADERS.TIMESTAMP]: String(timestamp),
      [SESSION_WEBHOOK_HEADERS.SIGNATURE]: signSessionWebhook(attempt.endpoint.secret, timestamp, body),
    },
    body,
    timeoutMs: attempt.timeoutMs,
  })
  if ('error' in answer) return { ok: false, error: answer.error }
  if (answer.status < 200 || answer.status > 299) return { ok: false, error: `status ${answer.status}` }
  return { ok: true }
}
