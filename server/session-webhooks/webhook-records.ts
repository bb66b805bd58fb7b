/**
 * What session webhooks keep in the stream store (PROTOCOL.md §9.12), as the `state` of records under
 * `__ds/session-webhooks/` (control paths, never streams): one record per endpoint, and one cursor per endpoint and
 * session holding the delivery position, the retry schedule, the lease of the node delivering, the dead letters and
 * the replays asked for. Every change happens in a store transaction, so it survives restarts and nodes sharing a
 * PostgreSQL store take each decision on the current record.
 */
import type { SessionWebhookKind } from '../../shared/protocol/session-webhooks.ts'
import { STREAM_CONTROL_PREFIX } from '../../shared/protocol/durable-streams.ts'
import type { WebhookEndpoint } from './parse-webhook-endpoint.ts'

/** Store prefix of every session webhook record. */
const WEBHOOKS_PREFIX = `${STREAM_CONTROL_PREFIX}session-webhooks/`

/** Store prefix of endpoint records. */
export const ENDPOINT_RECORD_PREFIX = `${WEBHOOKS_PREFIX}endpoints/`

/** Store prefix of cursor records. */
export const CURSOR_RECORD_PREFIX = `${WEBHOOKS_PREFIX}cursors/`

/** A stored endpoint: where it came from and when it was first stored (sessions older than that start at their end). */
export interface WebhookEndpointRecord extends WebhookEndpoint {
  readonly source: 'options' | 'api'
  readonly createdAtMs: number
}

/** An event that failed `attempts` times, or one queued for replay. */
export interface DeadLetter {
  /** The idempotency key, `<sessionId>:<offset>`. */
  readonly key: string
  /** 1-based index of the event in the session stream. */
  readonly index: number
  readonly offset: string
  readonly kind: string
  readonly attempts: number
  readonly lastError: string
  /** When it was dead-lettered, epoch ms. */
  readonly deadAtMs: number
}

/** The lease of the node delivering one session to one endpoint. */
export interface WebhookLease {
  readonly holder: string
  /** Unique per claim: a commit by a holder whose lease was taken over changes nothing. */
  readonly id: string
  readonly expiresAtMs: number
}

/** Delivery state of one session for one endpoint. */
export interface WebhookCursor {
  readonly endpointId: string
  readonly sessionId: string
  /** `createdAtMs` of the session stream followed: a session deleted and created again starts over. */
  readonly streamCreatedAtMs: number
  /** Events 1..delivered are done (delivered, skipped for their kind, or dead-lettered). */
  readonly delivered: number
  /** Failed attempts of the next item. */
  readonly attempts: number
  /** No attempt before this, epoch ms. */
  readonly nextAttemptAtMs?: number
  readonly lastError?: string
  readonly lease?: WebhookLease
  /** Dead letters asked to be delivered again, before new events. */
  readonly replay: readonly DeadLetter[]
  readonly deadLetters: readonly DeadLetter[]
}

/** Store path of an endpoint record. */
export function endpointRecordPath(endpointId: string): string {
  return `${ENDPOINT_RECORD_PREFIX}${endpointId}`
}

/** Store path of a cursor; ids of endpoints and sessions contain no `/`. */
export function cursorRecordPath(endpointId: string, sessionId: string): string {
  return `${CURSOR_RECORD_PREFIX}${endpointId}/${sessionId}`
}

/** An endpoint as the admin API shows it: never its secret. */
export function endpointJson(record: WebhookEndpointRecord) {
  return {
    id: record.id,
    url: record.url,
    kinds: record.kinds,
    source: record.source,
    createdAt: new Date(record.createdAtMs).toISOString(),
  }
}

/** A dead letter as the admin API shows it. */
export function deadLetterJson(sessionId: string, letter: DeadLetter) {
  return {
    id: letter.key,
    sessionId,
    offset: letter.offset,
    kind: letter.kind,
    attempts: letter.attempts,
    lastError: letter.lastError,
    deadAt: new Date(letter.deadAtMs).toISOString(),
  }
}

/** True when an event of type `type` goes to an endpoint receiving `kinds`; a kind covers its `<kind>.*` types too. */
export function receives(kinds: readonly SessionWebhookKind[], type: string): boolean {
  return kinds.some((kind) => type === kind || type.startsWith(`${kind}.`))
}
