/**
 * One webhook delivery of a subscription wake (PROTOCOL.md §9.11): the signed POST, bounded by a timeout, without
 * following redirects (a redirect could lead past the URL check). Any 2xx answer is a delivery; `{ "done": true }`
 * in it finishes the wake at once.
 */
import {
  DS_WEBHOOK_SIGNATURE_HEADER,
  STREAM_CONTROL_PREFIX,
  STREAM_CONTROL_ROUTES,
  SUBSCRIPTION_ACTIONS,
} from '../../shared/protocol/durable-streams.ts'
import { postWebhook } from './post-webhook.ts'
import { type SubscriptionRecord, type SubscriptionWake, wakeStreamsJson } from './subscription-record.ts'
import type { WebhookSigningKey } from './webhook-signing-key.ts'

/** What {@link deliverSubscriptionWebhook} needs. */
export interface WebhookDelivery {
  readonly record: SubscriptionRecord
  readonly wake: SubscriptionWake
  /** The wake's callback token (sent once, stored only as a hash). */
  readonly token: string
  readonly signingKey: WebhookSigningKey
  readonly nowMs: number
  readonly timeoutMs: number
  readonly signal: AbortSignal
}

/** Sends the wake; resolves with whether the receiver took it and whether it answered `done`. */
export async function deliverSubscriptionWebhook(
  delivery: WebhookDelivery,
): Promise<{ readonly ok: boolean; readonly done: boolean }> {
  const { record, wake } = delivery
  const url = record.config.webhookUrl
  if (url === undefined) return { ok: false, done: false }
  const body = JSON.stringify({
    subscription_id: record.id,
    wake_id: wake.id,
    generation: wake.generation,
    streams: wakeStreamsJson(record, wake.streams),
    callback_url: `${record.rootUrl}${STREAM_CONTROL_PREFIX}${STREAM_CONTROL_ROUTES.SUBSCRIPTIONS}${encodeURIComponent(record.id)}/${SUBSCRIPTION_ACTIONS.CALLBACK}`,
    callback_token: delivery.token,
  })
  const answer = await postWebhook({
    url,
    headers: {
      [DS_WEBHOOK_SIGNATURE_HEADER]: delivery.signingKey.signatureHeader(body, Math.floor(delivery.nowMs / 1000)),
    },
    body,
    timeoutMs: delivery.timeoutMs,
    signal: delivery.signal,
  })
  // A refused connection, a reset or the timeout is a failed delivery, retried with backoff.
  if ('error' in answer || answer.status < 200 || answer.status > 299) return { ok: false, done: false }
  return { ok: true, done: readDone(answer.text) }
}

function readDone(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as unknown
    return typeof parsed === 'object' && parsed !== null && (parsed as { done?: unknown }).done === true
  } catch {
    // reason: a receiver may answer anything; only `{ "done": true }` finishes the wake synchronously
    return false
  }
}
