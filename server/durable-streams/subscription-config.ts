/**
 * The configuration of a Durable Streams subscription as a PUT gives it (PROTOCOL.md §9.10): validated, normalised
 * and hashed, so that re-confirming an identical configuration answers 200 and a different one 409.
 */
import { createHash } from 'node:crypto'
import { SessionError } from '../../shared/errors/session-error.ts'
import { STREAM_CONTROL_PREFIX, SUBSCRIPTION_LEASE_TTL_MS } from '../../shared/protocol/durable-streams.ts'
import { checkWebhookUrl } from './check-webhook-url.ts'

/** How a subscription's wakes reach workers. */
export type SubscriptionType = 'webhook' | 'pull-wake'

/** A validated, normalised subscription configuration. */
export interface SubscriptionConfig {
  readonly type: SubscriptionType
  readonly pattern?: string
  /** Explicit stream paths, sorted and without duplicates. */
  readonly streams: readonly string[]
  readonly webhookUrl?: string
  readonly wakeStream?: string
  readonly leaseTtlMs: number
  readonly description?: string
  /** SHA-256 of the normalised configuration. */
  readonly hash: string
}

/**
 * Validates the JSON body of a subscription PUT.
 * @throws SessionError BAD_REQUEST for a malformed field, WEBHOOK_URL_REJECTED for an unsafe webhook URL
 */
export function parseSubscriptionConfig(body: unknown): SubscriptionConfig {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad('the body must be a JSON object', 'body')
  const fields = body as Record<string, unknown>
  const type = fields.type
  if (type !== 'webhook' && type !== 'pull-wake') throw bad('type must be "webhook" or "pull-wake"', 'type')
  const pattern = optionalString(fields, 'pattern')
  if (pattern !== undefined) checkStreamPath(pattern, 'pattern')
  const streams = readStreamList(fields.streams ?? [], 'streams')
  if (pattern === undefined && streams.length === 0) throw bad('give a pattern, streams, or both', 'pattern')
  const leaseTtlMs = fields.lease_ttl_ms ?? SUBSCRIPTION_LEASE_TTL_MS.DEFAULT
  if (
    typeof leaseTtlMs !== 'number' ||
    !Number.isInteger(leaseTtlMs) ||
    leaseTtlMs < SUBSCRIPTION_LEASE_TTL_MS.MIN ||
    leaseTtlMs > SUBSCRIPTION_LEASE_TTL_MS.MAX
  ) {
    throw bad(
      `lease_ttl_ms must be an integer from ${SUBSCRIPTION_LEASE_TTL_MS.MIN} to ${SUBSCRIPTION_LEASE_TTL_MS.MAX}`,
      'lease_ttl_ms',
    )
  }
  const description = optionalString(fields, 'description')
  let webhookUrl: string | undefined
  let wakeStream: string | undefined
  if (type === 'webhook') {
    const webhook = fields.webhook as { url?: unknown } | undefined
    if (typeof webhook?.url !== 'string') throw bad('a webhook subscription needs webhook.url', 'webhook.url')
    checkWebhookUrl(webhook.url)
    webhookUrl = webhook.url
  } else {
    wakeStream = optionalString(fields, 'wake_stream')
    if (wakeStream === undefined) throw bad('a pull-wake subscription needs wake_stream', 'wake_stream')
    checkStreamPath(wakeStream, 'wake_stream')
  }
  const normalised = { type, pattern, streams, webhookUrl, wakeStream, leaseTtlMs, description }
  const hash = createHash('sha256').update(JSON.stringify(normalised)).digest('hex')
  return {
    type,
    streams,
    leaseTtlMs,
    hash,
    ...(pattern === undefined ? {} : { pattern }),
    ...(webhookUrl === undefined ? {} : { webhookUrl }),
    ...(wakeStream === undefined ? {} : { wakeStream }),
    ...(description === undefined ? {} : { description }),
  }
}

/**
 * A list of stream paths (the `streams` of a PUT or of an explicit membership POST), sorted and deduplicated.
 * @throws SessionError BAD_REQUEST
 */
export function readStreamList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw bad(`${field} must be an array of stream paths`, field)
  for (const path of value) {
    if (typeof path !== 'string') throw bad(`${field} must be an array of stream paths`, field)
    checkStreamPath(path, field)
  }
  return [...new Set(value as string[])].sort()
}

function checkStreamPath(path: string, field: string): void {
  const segments = path.split('/')
  if (path === '' || segments.some((segment) => segment === '' || segment === '.' || segment === '..'))
    throw bad(`${field} holds a malformed stream path`, field)
  if (path.startsWith(STREAM_CONTROL_PREFIX)) throw bad(`${field} may not name the reserved control paths`, field)
}

function optionalString(fields: Record<string, unknown>, field: string): string | undefined {
  const value = fields[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw bad(`${field} must be a string`, field)
  return value
}

function bad(message: string, field: string): SessionError {
  return new SessionError('BAD_REQUEST', message, { details: { field } })
}
