/**
 * The stored state of one subscription (PROTOCOL.md §9.10, §9.11): its configuration, one cursor per linked stream,
 * the generation counter, the wake in flight with its lease, and the webhook retry schedule. It is kept as the
 * `state` of a record at `__ds/subscriptions/<id>` in the stream store, so it is as durable as the streams, changes
 * in the store's transactions (one decision at a time, also across nodes sharing the store) and survives restarts.
 */
import { STREAM_CONTROL_PREFIX, STREAM_CONTROL_ROUTES } from '../../shared/protocol/durable-streams.ts'
import { controlRecordMeta } from './control-record-meta.ts'
import type { SubscriptionConfig } from './subscription-config.ts'
import { formatOffset, type StreamPosition } from './stream-offset.ts'
import type { StreamMeta } from './stream-store.ts'

/** Store path prefix of subscription records. */
export const SUBSCRIPTION_RECORD_PREFIX = `${STREAM_CONTROL_PREFIX}${STREAM_CONTROL_ROUTES.SUBSCRIPTIONS}`

/** The cursor of one linked stream; `acked` is the last processed position, inclusive. */
export interface SubscriptionLink {
  readonly path: string
  readonly explicit: boolean
  readonly glob: boolean
  readonly acked: StreamPosition
}

/** A linked stream with pending work as a wake saw it. */
export interface WakeStream {
  readonly path: string
  readonly tail: StreamPosition
}

/** The wake in flight. */
export interface SubscriptionWake {
  readonly id: string
  readonly generation: number
  /** SHA-256 (hex) of the wake's bearer token; absent for a pull-wake nobody has claimed yet. */
  readonly tokenHash?: string
  /** The worker holding a pull-wake lease. */
  readonly holder?: string
  /** When the lease ends (epoch ms); absent for an unclaimed pull-wake, which waits for a claim. */
  readonly leaseExpiresAtMs?: number
  readonly streams: readonly WakeStream[]
}

/** Everything stored about one subscription. */
export interface SubscriptionRecord {
  readonly id: string
  readonly config: SubscriptionConfig
  /** Absolute URL of the stream root (ending in `/`) that callback URLs are built on. */
  readonly rootUrl: string
  readonly createdAtMs: number
  readonly links: readonly SubscriptionLink[]
  readonly generation: number
  readonly wake?: SubscriptionWake
  /** Webhook deliveries failed in a row. */
  readonly failures: number
  /** When the next webhook attempt may go out after a failure (epoch ms). */
  readonly nextAttemptAtMs?: number
}

/** The store record holding `record`. */
export function subscriptionMeta(record: SubscriptionRecord, nowMs: number): StreamMeta {
  return controlRecordMeta(`${SUBSCRIPTION_RECORD_PREFIX}${record.id}`, record, record.createdAtMs, nowMs)
}

/** The linked streams whose tail (in `tails`, by path) is past their cursor. */
export function pendingStreams(
  links: readonly SubscriptionLink[],
  tails: ReadonlyMap<string, StreamPosition>,
): WakeStream[] {
  const pending: WakeStream[] = []
  for (const link of links) {
    const tail = tails.get(link.path)
    if (tail !== undefined && tail.messages > link.acked.messages) pending.push({ path: link.path, tail })
  }
  return pending
}

/** The JSON of a wake's streams as webhooks and claims carry them. */
export function wakeStreamsJson(record: SubscriptionRecord, streams: readonly WakeStream[]) {
  return streams.map((stream) => {
    const link = record.links.find((candidate) => candidate.path === stream.path)
    const acked = link?.acked ?? { messages: 0, bytes: 0 }
    return {
      path: stream.path,
      link_type: link?.explicit === false ? 'glob' : 'explicit',
      acked_offset: formatOffset(acked),
      tail_offset: formatOffset(stream.tail),
      has_pending: stream.tail.messages > acked.messages,
    }
  })
}

/** The JSON a GET of the subscription answers; `jwksUrl` is where the signing keys are published. */
export function subscriptionJson(record: SubscriptionRecord, signing: { kid: string; jwksUrl: string }) {
  const { config } = record
  return {
    id: record.id,
    subscription_id: record.id,
    type: config.type,
    pattern: config.pattern ?? null,
    streams: record.links.map((link) => ({
      path: link.path,
      link_type: link.explicit ? 'explicit' : 'glob',
      acked_offset: formatOffset(link.acked),
    })),
    webhook:
      config.webhookUrl === undefined
        ? null
        : { url: config.webhookUrl, signing: { alg: 'ed25519', kid: signing.kid, jwks_url: signing.jwksUrl } },
    wake_stream: config.wakeStream ?? null,
    lease_ttl_ms: config.leaseTtlMs,
    created_at: new Date(record.createdAtMs).toISOString(),
    status: record.nextAttemptAtMs === undefined ? 'active' : 'failed',
    description: config.description ?? null,
    generation: record.generation,
  }
}
