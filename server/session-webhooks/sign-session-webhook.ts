/**
 * The signature of a session webhook delivery (PROTOCOL.md §9.12): HMAC-SHA256 with the endpoint's secret over
 * `<timestamp>.<raw body>`, hex, prefixed with its scheme. Receivers recompute it and compare in constant time.
 */
import { createHmac } from 'node:crypto'
import { SESSION_WEBHOOK_SIGNATURE_SCHEME } from '../../shared/protocol/session-webhooks.ts'

/** The `lifeline-webhook-signature` value of `body` signed at `timestampSeconds` (unix seconds) with `secret`. */
export function signSessionWebhook(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')
  return `${SESSION_WEBHOOK_SIGNATURE_SCHEME}=${mac}`
}
