/**
 * Wires Durable Streams subscriptions (PROTOCOL.md §9.10, §9.11) over a stream store and service: the signing key
 * (loaded from the store at start), the subscription manager and the context of the `__ds/` control routes.
 */
import type { IncomingMessage } from 'node:http'
import { assert } from '../../shared/errors/invariant.ts'
import type { StreamControlContext } from './handle-stream-control.ts'
import type { RetrySchedule } from './retry-delay.ts'
import { createSubscriptionManager } from './subscription-manager.ts'
import type { StreamService } from './stream-service.ts'
import type { StreamStore } from './stream-store.ts'
import { loadWebhookSigningKey, type WebhookSigningKey } from './webhook-signing-key.ts'

/** Options a server operator may set for subscriptions. */
export interface StreamSubscriptionOptions {
  /** Absolute URL of the stream root as webhook receivers reach it, ending in `/` (default: from the Host header). */
  readonly publicStreamUrl?: string
  /** How long one webhook delivery may take, in ms (default 10000). */
  readonly webhookTimeoutMs?: number
  /** Random source in [0, 1) of the retry jitter (default Math.random). */
  readonly random?: () => number
  /** Webhook retry backoff (default `SUBSCRIPTION_RETRY`: 1 s doubling to 60 s, ± 20 %). */
  readonly retry?: RetrySchedule
}

/** What {@link createStreamSubscriptions} wires. */
export interface StreamSubscriptionsWiring extends StreamSubscriptionOptions {
  readonly store: StreamStore
  readonly service: StreamService
  readonly onError: (error: unknown) => void
  readonly now?: () => number
  readonly authorize?: (request: IncomingMessage) => void
}

/** Subscriptions ready to start. */
export interface StreamSubscriptions {
  /** The context of the `__ds/` routes. */
  readonly control: StreamControlContext
  /** Loads the signing key and resumes stored subscriptions. */
  start(): Promise<void>
  stop(): void
}

/** Creates the subscriptions of a stream server. */
export function createStreamSubscriptions(wiring: StreamSubscriptionsWiring): StreamSubscriptions {
  const now = wiring.now ?? Date.now
  let loaded: WebhookSigningKey | undefined
  const key = (): WebhookSigningKey => {
    assert(loaded !== undefined, 'subscriptions are started before the routes serve')
    return loaded
  }
  const signingKey: WebhookSigningKey = {
    get kid() {
      return key().kid
    },
    get jwk() {
      return key().jwk
    },
    signatureHeader: (body, unixSeconds) => key().signatureHeader(body, unixSeconds),
  }
  const subscriptions = createSubscriptionManager({
    store: wiring.store,
    service: wiring.service,
    signingKey,
    onError: wiring.onError,
    now,
    ...(wiring.random === undefined ? {} : { random: wiring.random }),
    ...(wiring.retry === undefined ? {} : { retry: wiring.retry }),
    ...(wiring.webhookTimeoutMs === undefined ? {} : { webhookTimeoutMs: wiring.webhookTimeoutMs }),
  })
  return {
    control: {
      subscriptions,
      signingKey,
      ...(wiring.publicStreamUrl === undefined ? {} : { publicStreamUrl: wiring.publicStreamUrl }),
      ...(wiring.authorize === undefined ? {} : { authorize: wiring.authorize }),
    },
    async start() {
      loaded = await loadWebhookSigningKey(wiring.store, now())
      await subscriptions.start()
    },
    stop() {
      subscriptions.stop()
    },
  }
}
