/**
 * Scale-out on Redis (docs/architecture.md): N server nodes share live sessions through Hocuspocus' own Redis
 * extension, not a home-made cluster. Each node appends the updates of ITS clients to the shared PostgreSQL log
 * before acknowledging them (durable-log.ts); the extension then publishes the change on the session's channel
 * and the other nodes apply it to their copy. Those remote updates arrive without a connection, so `beforeSync` —
 * where governance inspects and the durable log appends — does not run for them: nothing is appended twice.
 *
 * What this module adds to the stock extension:
 * - one `LIFELINE_REDIS` URL (`redis://[user:pass@]host:port[/db]`) and a key prefix per deployment;
 * - cross-node clientID claims (redis-client-id-claims.ts) on the extension's own publishing connection;
 * - session deletion notices (redis-session-deletions.ts), so that an erased session ends on every node;
 * - a resync after Redis comes back: the extension exchanges sync steps per change, and a publish that failed during
 *   the outage (ioredis gives a queued command up after 20 reconnect attempts) would only be repaired by the
 *   session's next change; so after a reconnect every loaded session announces its state vector at once, and
 *   peers answer with what it misses (and ask for what they miss).
 */
import { randomUUID } from 'node:crypto'
import { Redis as RedisExtension } from '@hocuspocus/extension-redis'
import type { Extension, Hocuspocus } from '@hocuspocus/server'
import { Redis as RedisClient } from 'ioredis'
import type { ClientIdClaims } from '../governance/client-id-claims.ts'
import type { SessionDeletions } from '../session-eraser.ts'
import { createRedisClientIdClaims } from './redis-client-id-claims.ts'
import { createRedisSessionDeletions } from './redis-session-deletions.ts'

/** Options of {@link createRedisScaleOut}. */
export interface RedisScaleOutOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379/0`. */
  readonly url: string
  /** Namespace of every channel and key; nodes of one deployment share it (default `lifeline`). */
  readonly prefix?: string
  /** This node's name on the channels (default: a random one per process). */
  readonly identifier?: string
}

/** The extension and what the server needs besides it. */
export interface RedisScaleOut {
  readonly extension: Extension
  /** ClientID claims shared by all nodes. */
  readonly claims: ClientIdClaims
  /** Session deletion notices between the nodes. */
  readonly deletions: SessionDeletions
  /** Starts resyncing sessions of `hocuspocus` after each Redis reconnect. */
  attach(hocuspocus: Hocuspocus): void
  /** Waits (up to 3 s) for closed sessions to unload and unsubscribe, then disconnects from Redis. */
  close(): Promise<void>
}

/** Default key prefix. */
export const DEFAULT_REDIS_PREFIX = 'lifeline'

/** Longest wait in `close` for sessions to unload: the extension delays each unload by 1 s for late syncs. */
const UNLOAD_TIMEOUT_MS = 3_000

/** Connects to Redis and creates the scale-out extension. */
export function createRedisScaleOut(options: RedisScaleOutOptions, onError: (error: unknown) => void): RedisScaleOut {
  const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX
  const clients: RedisClient[] = []
  const createClient = (): RedisClient => {
    const client = new RedisClient(options.url)
    // ioredis reconnects by itself; report the first error of each outage rather than every retry.
    let reported = false
    client.on('error', (error: unknown) => {
      if (!reported) onError(error)
      reported = true
    })
    client.on('ready', () => {
      reported = false
    })
    clients.push(client)
    return client
  }
  const identifier = options.identifier ?? `lifeline-${randomUUID()}`
  const extension = new RedisExtension({ createClient, prefix, identifier })
  const [, subscriber] = clients
  // `pub` is typed Redis | Cluster; here it is the plain client `createClient` made.
  const publisher = extension.pub as RedisClient
  const claims = createRedisClientIdClaims({ redis: publisher, prefix })
  const deletionSubscriber = createClient()
  const deletions = createRedisSessionDeletions({
    publisher,
    subscriber: deletionSubscriber,
    prefix,
    node: identifier,
    onError,
  })
  let attached: Hocuspocus | undefined

  return {
    extension,
    claims,
    deletions,
    attach(hocuspocus) {
      attached = hocuspocus
      let first = true
      subscriber?.on('ready', () => {
        if (first) {
          first = false
          return
        }
        // ioredis has re-subscribed on this connection before 'ready'; announce every loaded session's state.
        for (const [documentName, document] of hocuspocus.documents) {
          extension
            .onChange({
              clientsCount: document.getConnectionsCount(),
              context: {},
              document,
              documentName,
              instance: hocuspocus,
              requestHeaders: new Headers(),
              requestParameters: new URLSearchParams(),
              update: new Uint8Array(),
              socketId: '',
              transactionOrigin: { source: 'local' },
            })
            .catch(onError)
        }
      })
    },
    async close() {
      const deadline = Date.now() + UNLOAD_TIMEOUT_MS
      while ((attached?.getDocumentsCount() ?? 0) > 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          setTimeout(resolve, 50)
        }) // reason: Hocuspocus has no "all unloaded" event
      }
      await extension.onDestroy()
      deletionSubscriber.disconnect(false)
    },
  }
}
