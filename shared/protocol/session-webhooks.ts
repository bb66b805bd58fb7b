/**
 * Wire facts of session webhooks (PROTOCOL.md §9.12, §9.13): the event kinds an endpoint subscribes to, the headers of
 * a signed delivery, the replay window receivers enforce, the delivery defaults and the admin API's routes.
 */

/**
 * Event kinds an endpoint may subscribe to: the session event types (PROTOCOL.md §9.6) a pipeline acts on, and
 * `policy`, the kind of policy decisions a policy hook records in the session stream.
 */
export const SESSION_WEBHOOK_KINDS = [
  'message.created',
  'message.done',
  'message.stopped',
  'message.failed',
  'steer',
  'presence',
  'policy',
] as const

/** One subscribable event kind. */
export type SessionWebhookKind = (typeof SESSION_WEBHOOK_KINDS)[number]

/** Headers of a session webhook delivery. */
export const SESSION_WEBHOOK_HEADERS = {
  /** The delivery's idempotency key, `<sessionId>:<offset>`: the same for every attempt and replay of one event. */
  ID: 'lifeline-webhook-id',
  /** Unix seconds when the attempt was signed. */
  TIMESTAMP: 'lifeline-webhook-timestamp',
  /** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`. */
  SIGNATURE: 'lifeline-webhook-signature',
} as const

/** Prefix of the signature value naming its scheme. */
export const SESSION_WEBHOOK_SIGNATURE_SCHEME = 'v1'

/** Receivers refuse a delivery whose timestamp is further than this from their clock, in seconds. */
export const SESSION_WEBHOOK_REPLAY_WINDOW_SECONDS = 300

/** Shortest endpoint secret accepted, in characters. */
export const MIN_WEBHOOK_SECRET_CHARS = 16

/** Endpoint ids: 1–64 characters of `A–Z a–z 0–9 _ -`. */
export const WEBHOOK_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/

/** Delivery defaults (server option `webhooks`). */
export const SESSION_WEBHOOK_DEFAULTS = {
  /** Attempts of one event before it goes to the dead-letter list. */
  MAX_ATTEMPTS: 8,
  /** How long one attempt may take, in ms. */
  TIMEOUT_MS: 10_000,
  /** How long a node holds the delivery of one session to one endpoint without renewing it, in ms. */
  LEASE_MS: 30_000,
  /** First retry delay, doubling per failure up to MAX_DELAY_MS, ± JITTER. */
  FIRST_DELAY_MS: 1_000,
  MAX_DELAY_MS: 60_000,
  JITTER: 0.2,
} as const

/** The admin API's collection route (PROTOCOL.md §9.13). */
export const WEBHOOKS_ROUTE = '/v1/webhooks'

/** Last segment of an endpoint's dead-letter list. */
export const DEAD_LETTERS_SEGMENT = 'dead-letters'

/** Last segment of the replay action below the dead-letter list. */
export const REPLAY_SEGMENT = 'replay'

/** Path of one endpoint. */
export function webhookPath(id: string): string {
  return `${WEBHOOKS_ROUTE}/${encodeURIComponent(id)}`
}

/** Path of one endpoint's dead letters. */
export function webhookDeadLettersPath(id: string): string {
  return `${webhookPath(id)}/${DEAD_LETTERS_SEGMENT}`
}

/** Path that replays an endpoint's dead letters. */
export function webhookReplayPath(id: string): string {
  return `${webhookDeadLettersPath(id)}/${REPLAY_SEGMENT}`
}
