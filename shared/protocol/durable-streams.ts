/**
 * Wire facts of the Durable Streams protocol as Lifeline serves it (PROTOCOL.md §9): the route prefix, header
 * names, query parameters and offset sentinels. Server and clients spell these only here. Nothing here knows
 * sessions: their event streams are in `session-stream-path.ts`.
 */

/** Every stream lives under this prefix; the official conformance suite hardcodes it. */
export const STREAM_ROUTE_PREFIX = '/v1/stream/'

/** Longest stream path below the prefix, in UTF-8 bytes (PROTOCOL.md §9.1); longer ones are refused with BAD_REQUEST. */
export const MAX_STREAM_PATH_BYTES = 1024

/** Response and request headers of the protocol (lower case, as Node reports them). */
export const STREAM_HEADERS = {
  NEXT_OFFSET: 'stream-next-offset',
  UP_TO_DATE: 'stream-up-to-date',
  CLOSED: 'stream-closed',
  CURSOR: 'stream-cursor',
  SEQ: 'stream-seq',
  TTL: 'stream-ttl',
  EXPIRES_AT: 'stream-expires-at',
  SSE_DATA_ENCODING: 'stream-sse-data-encoding',
  PRODUCER_ID: 'producer-id',
  PRODUCER_EPOCH: 'producer-epoch',
  PRODUCER_SEQ: 'producer-seq',
  PRODUCER_EXPECTED_SEQ: 'producer-expected-seq',
  PRODUCER_RECEIVED_SEQ: 'producer-received-seq',
  FORKED_FROM: 'stream-forked-from',
  FORK_OFFSET: 'stream-fork-offset',
  FORK_SUB_OFFSET: 'stream-fork-sub-offset',
  /** Whole seconds to wait before a refused append may be sent again (429 RATE_LIMITED, PROTOCOL.md §10.5). */
  RETRY_AFTER: 'retry-after',
} as const

/** Query parameters of reads. */
export const STREAM_QUERY = { OFFSET: 'offset', LIVE: 'live', CURSOR: 'cursor' } as const

/** Values of the `live` query parameter; a read without one is a catch-up read, any other value answers 400. */
export const LIVE_MODES = { LONG_POLL: 'long-poll', SSE: 'sse' } as const

/** `offset=-1`: the start of a stream. Never minted as a real offset. */
export const OFFSET_START = '-1'
/** `offset=now`: the current tail of a stream. Never minted as a real offset. */
export const OFFSET_NOW = 'now'

/** First segment of the reserved control paths below the route prefix (PROTOCOL.md §9.10); no stream lives there. */
export const STREAM_CONTROL_PREFIX = '__ds/'

/** Control routes below {@link STREAM_CONTROL_PREFIX} (PROTOCOL.md §9.10). */
export const STREAM_CONTROL_ROUTES = {
  /** The webhook signing public keys as a JWK Set. */
  JWKS: 'jwks.json',
  /** `subscriptions/<id>` and its sub-resources. */
  SUBSCRIPTIONS: 'subscriptions/',
} as const

/** Sub-resources of one subscription (`subscriptions/<id>/<action>`). */
export const SUBSCRIPTION_ACTIONS = {
  STREAMS: 'streams',
  CALLBACK: 'callback',
  CLAIM: 'claim',
  ACK: 'ack',
  RELEASE: 'release',
} as const

/** Header of a subscription webhook carrying `t=<unix seconds>,kid=<key id>,ed25519=<base64url signature>`. */
export const DS_WEBHOOK_SIGNATURE_HEADER = 'webhook-signature'

/** Bounds and default of a subscription's `lease_ttl_ms` (PROTOCOL.md §9.10). */
export const SUBSCRIPTION_LEASE_TTL_MS = { MIN: 1_000, MAX: 600_000, DEFAULT: 30_000 } as const

/** Webhook retry backoff of subscriptions: from the first delay doubling up to the cap, ± the jitter fraction. */
export const SUBSCRIPTION_RETRY = { FIRST_DELAY_MS: 1_000, MAX_DELAY_MS: 60_000, JITTER: 0.2 } as const

/** Seconds a subscription webhook signature stays acceptable to a receiver (the replay window). */
export const DS_WEBHOOK_REPLAY_WINDOW_SECONDS = 300
