/**
 * Validation of a session webhook endpoint (PROTOCOL.md §9.12), from the server option `webhooks.endpoints` or a
 * `POST /v1/webhooks` body: an id, a URL that passes the webhook URL check (§9.10), a secret long enough to sign
 * with, and the event kinds it receives (all of them when none are named).
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import {
  MIN_WEBHOOK_SECRET_CHARS,
  SESSION_WEBHOOK_KINDS,
  type SessionWebhookKind,
  WEBHOOK_ID_PATTERN,
} from '../../shared/protocol/session-webhooks.ts'
import { checkWebhookUrl } from '../durable-streams/check-webhook-url.ts'

/** One endpoint: where events of `kinds` are posted, signed with `secret`. */
export interface WebhookEndpoint {
  readonly id: string
  readonly url: string
  readonly secret: string
  readonly kinds: readonly SessionWebhookKind[]
}

/**
 * The endpoint `value` describes.
 * @throws SessionError BAD_REQUEST naming the field, WEBHOOK_URL_REJECTED for a URL that may not receive webhooks
 */
export function parseWebhookEndpoint(value: unknown): WebhookEndpoint {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad('an endpoint is an object', 'endpoint')
  const { id, url, secret, kinds } = value as Record<string, unknown>
  if (typeof id !== 'string' || !WEBHOOK_ID_PATTERN.test(id))
    throw bad(`id must match ${String(WEBHOOK_ID_PATTERN)}`, 'id')
  if (typeof url !== 'string') throw bad('url must be a string', 'url')
  checkWebhookUrl(url)
  if (typeof secret !== 'string' || secret.length < MIN_WEBHOOK_SECRET_CHARS)
    throw bad(`secret must be a string of at least ${MIN_WEBHOOK_SECRET_CHARS} characters`, 'secret')
  return { id, url, secret, kinds: parseKinds(kinds) }
}

function parseKinds(kinds: unknown): readonly SessionWebhookKind[] {
  if (kinds === undefined) return SESSION_WEBHOOK_KINDS
  const known: readonly string[] = SESSION_WEBHOOK_KINDS
  if (
    !Array.isArray(kinds) ||
    kinds.length === 0 ||
    !kinds.every((kind): kind is SessionWebhookKind => typeof kind === 'string' && known.includes(kind))
  )
    throw new SessionError('BAD_REQUEST', `kinds must be a non-empty list of ${SESSION_WEBHOOK_KINDS.join(', ')}`, {
      details: { field: 'kinds', valid: SESSION_WEBHOOK_KINDS },
    })
  return [...new Set(kinds)]
}

function bad(message: string, field: string): SessionError {
  return new SessionError('BAD_REQUEST', message, { details: { field } })
}
