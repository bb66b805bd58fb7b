/**
 * Durable Streams subscriptions (PROTOCOL.md §9.10, §9.11): links streams to subscriptions, issues wakes with
 * generation fencing and leases, delivers them by signed webhook or as events on a pull-wake stream, applies acks,
 * and retries failed webhooks with exponential backoff and jitter. Every decision is taken on the stored record
 * inside the store's transaction, so one wake is issued once even with several nodes sharing the store; each node
 * keeps timers for the leases and retries it learns of (its own changes, and other nodes' through `watch`).
 */
import { randomBytes } from 'node:crypto'
import { SessionError } from '../../shared/errors/session-error.ts'
import { STREAM_CONTROL_PREFIX } from '../../shared/protocol/durable-streams.ts'
import { deliverSubscriptionWebhook } from './deliver-subscription-webhook.ts'
import { matchStreamGlob } from './match-stream-glob.ts'
import { type RetrySchedule, retryDelayMs } from './retry-delay.ts'
import { clearExpired, fenced, hashToken, link, notFound, withoutRetry } from './subscription-changes.ts'
import type { SubscriptionConfig } from './subscription-config.ts'
import {
  pendingStreams,
  SUBSCRIPTION_RECORD_PREFIX,
  type SubscriptionLink,
  type SubscriptionRecord,
  type SubscriptionWake,
  subscriptionMeta,
  type WakeStream,
} from './subscription-record.ts'
import type { StreamPosition } from './stream-offset.ts'
import type { StreamService } from './stream-service.ts'
import type { StreamStore } from './stream-store.ts'
import type { WebhookSigningKey } from './webhook-signing-key.ts'

/** Options of {@link createSubscriptionManager}. */
export interface SubscriptionManagerOptions {
  readonly store: StreamStore
  readonly service: StreamService
  readonly signingKey: WebhookSigningKey
  readonly onError: (error: unknown) => void
  /** Clock in epoch ms (default Date.now). */
  readonly now?: () => number
  /** Random source in [0, 1) for retry jitter (default Math.random). */
  readonly random?: () => number
  /** How long a webhook delivery may take before it counts as failed, in ms (default 10000). */
  readonly webhookTimeoutMs?: number
  /** Webhook retry backoff (default `SUBSCRIPTION_RETRY`). */
  readonly retry?: RetrySchedule
}

/** An ack of a callback or pull-wake ack request. */
export interface WakeAck {
  readonly wakeId: string
  readonly generation: number
  readonly token: string
  readonly acks: readonly { readonly stream: string; readonly offset: StreamPosition }[]
  readonly done: boolean
}

/** A successful claim. */
export interface WakeClaim {
  readonly record: SubscriptionRecord
  readonly wake: SubscriptionWake
  readonly token: string
}

/** The subscription operations behind the `__ds/subscriptions/` routes. */
export interface SubscriptionManager {
  /** Creates a subscription, or re-confirms an identical one. @throws SUBSCRIPTION_CONFLICT */
  put(
    id: string,
    config: SubscriptionConfig,
    rootUrl: string,
  ): Promise<{ created: boolean; record: SubscriptionRecord }>
  /** @throws SUBSCRIPTION_NOT_FOUND */
  get(id: string): Promise<SubscriptionRecord>
  /** Deletes a subscription; in-flight callbacks, acks and releases then fail. */
  remove(id: string): Promise<void>
  /** Links `paths` explicitly at their current tails. @throws SUBSCRIPTION_NOT_FOUND */
  addStreams(id: string, paths: readonly string[]): Promise<void>
  /** Removes the explicit link of `path` (a glob link stays). @throws SUBSCRIPTION_NOT_FOUND */
  removeStream(id: string, path: string): Promise<void>
  /** Applies a callback or ack; resolves with `next_wake`. @throws FENCED, UNAUTHORIZED, SUBSCRIPTION_NOT_FOUND */
  ack(id: string, ack: WakeAck): Promise<boolean>
  /** Claims a pull-wake; undefined when nothing is pending. @throws ALREADY_CLAIMED, SUBSCRIPTION_NOT_FOUND */
  claim(id: string, worker: string): Promise<WakeClaim | undefined>
  /** Releases a claimed wake without acking. @throws FENCED, UNAUTHORIZED */
  release(id: string, wake: { wakeId: string; generation: number; token: string }): Promise<void>
  /** Loads the stored subscriptions and resumes their leases and retries. */
  start(): Promise<void>
  /** Stops timers and in-flight deliveries. */
  stop(): void
}

/** Creates the manager; call `start` before serving. */
export function createSubscriptionManager(options: SubscriptionManagerOptions): SubscriptionManager {
  const { store, service, onError } = options
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const webhookTimeoutMs = options.webhookTimeoutMs ?? 10_000
  const known = new Map<string, SubscriptionRecord>()
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  const deliveries = new AbortController()
  let stopped = false

  const recordPath = (id: string): string => `${SUBSCRIPTION_RECORD_PREFIX}${id}`
  const load = async (id: string): Promise<SubscriptionRecord | undefined> =>
    (await store.get(recordPath(id)))?.state as SubscriptionRecord | undefined
  const require = async (id: string): Promise<SubscriptionRecord> => {
    const record = await load(id)
    if (record === undefined) throw notFound(id)
    return record
  }
  /** Runs `decide` on the stored record in the store's transaction; resolves with the record after it. */
  const change = async (
    id: string,
    decide: (record: SubscriptionRecord | undefined) => SubscriptionRecord | undefined,
  ): Promise<SubscriptionRecord | undefined> => {
    let after: SubscriptionRecord | undefined
    await store.change(recordPath(id), (meta) => {
      const before = meta?.state as SubscriptionRecord | undefined
      after = decide(before)
      if (after === undefined || after === before) return undefined
      return { meta: subscriptionMeta(after, now()), messages: [] }
    })
    const record = after ?? (await load(id))
    remember(id, record)
    return record
  }
  const remember = (id: string, record: SubscriptionRecord | undefined): void => {
    if (record === undefined) known.delete(id)
    else known.set(id, record)
    schedule(id, record)
  }
  /** One timer per subscription, at its lease end or next retry, which re-evaluates it. */
  const schedule = (id: string, record: SubscriptionRecord | undefined): void => {
    clearTimeout(timers.get(id))
    timers.delete(id)
    if (stopped || record === undefined) return
    const at = record.wake?.leaseExpiresAtMs ?? (record.wake === undefined ? record.nextAttemptAtMs : undefined)
    if (at === undefined) return
    const timer = setTimeout(() => void wake(id).catch(onError), Math.max(0, at - now()))
    timers.set(id, timer)
  }
  const tailsOf = async (paths: Iterable<string>): Promise<Map<string, StreamPosition>> => {
    const tails = new Map<string, StreamPosition>()
    for (const path of paths) {
      const meta = await store.get(path)
      tails.set(
        path,
        meta === undefined ? { messages: 0, bytes: 0 } : { messages: meta.messageCount, bytes: meta.byteCount },
      )
    }
    return tails
  }
  const linkedTails = (record: SubscriptionRecord) => tailsOf(record.links.map((link) => link.path))
  const matches = (record: SubscriptionRecord, path: string): boolean =>
    path !== record.config.wakeStream &&
    (record.config.streams.includes(path) ||
      (record.config.pattern !== undefined && matchStreamGlob(record.config.pattern, path)))
  const newWake = (record: SubscriptionRecord, streams: readonly WakeStream[]): SubscriptionWake => ({
    id: `w_${randomBytes(12).toString('base64url')}`,
    generation: record.generation + 1,
    streams,
  })

  /** Issues a wake when the subscription is idle and has pending work, and sends it. */
  const wake = async (id: string): Promise<void> => {
    const stored = await load(id)
    if (stored === undefined || stopped) return
    const tails = await linkedTails(stored)
    let issued: { record: SubscriptionRecord; token?: string } | undefined
    const record = await change(id, (current) => {
      if (current === undefined) return undefined
      const live = clearExpired(current, now())
      if (live.wake !== undefined) return live
      if (live.config.type === 'webhook' && live.nextAttemptAtMs !== undefined && live.nextAttemptAtMs > now())
        return live
      const streams = pendingStreams(live.links, tails)
      if (streams.length === 0) return live
      const wakeBase = newWake(live, streams)
      if (live.config.type === 'pull-wake') {
        issued = { record: { ...live, generation: wakeBase.generation, wake: wakeBase } }
        return issued.record
      }
      const token = randomBytes(24).toString('base64url')
      const next = {
        ...live,
        generation: wakeBase.generation,
        wake: { ...wakeBase, tokenHash: hashToken(token), leaseExpiresAtMs: now() + live.config.leaseTtlMs },
      }
      issued = { record: next, token }
      return next
    })
    if (issued === undefined || record === undefined) return
    if (issued.token === undefined) await announcePullWake(issued.record)
    else void sendWebhook(issued.record, issued.token).catch(onError)
  }

  const announcePullWake = async (record: SubscriptionRecord): Promise<void> => {
    const { wake: issued, config } = record
    if (issued === undefined || config.wakeStream === undefined) return
    const events = issued.streams.map((stream) => ({
      type: 'wake',
      subscription_id: record.id,
      stream: stream.path,
      generation: issued.generation,
      ts: now(),
    }))
    await service
      .append(config.wakeStream, {
        body: Buffer.from(JSON.stringify(events)),
        contentType: 'application/json',
        close: false,
      })
      .catch((error: unknown) => {
        onError(error) // the wake stays issued; a claim still finds it
      })
  }

  const sendWebhook = async (record: SubscriptionRecord, token: string): Promise<void> => {
    const issued = record.wake
    if (issued === undefined) return
    const outcome = await deliverSubscriptionWebhook({
      record,
      wake: issued,
      token,
      signingKey: options.signingKey,
      nowMs: now(),
      timeoutMs: webhookTimeoutMs,
      signal: deliveries.signal,
    })
    if (stopped) return
    if (outcome.ok) {
      await change(record.id, (current) =>
        current?.wake?.id === issued.id && (current.failures > 0 || current.nextAttemptAtMs !== undefined)
          ? withoutRetry(current)
          : current,
      )
      if (outcome.done) {
        const acks = issued.streams.map((stream) => ({ stream: stream.path, offset: stream.tail }))
        await applyAck(record.id, issued, acks, true).catch((error: unknown) => {
          if (!(error instanceof SessionError && error.code === 'FENCED')) throw error
        })
      }
      return
    }
    const failed = await change(record.id, (current) => {
      if (current?.wake?.id !== issued.id) return current
      const { wake: _failed, ...rest } = current
      const failures = current.failures + 1
      return { ...rest, failures, nextAttemptAtMs: now() + retryDelayMs(failures, random, options.retry) }
    })
    if (failed !== undefined) schedule(record.id, failed)
  }

  /** Applies acks to the current wake (already validated); with `done` ends it and wakes again if work is left. */
  const applyAck = async (
    id: string,
    expected: SubscriptionWake,
    acks: WakeAck['acks'],
    done: boolean,
  ): Promise<boolean> => {
    await change(id, (current) => {
      if (current === undefined) throw notFound(id)
      if (current.wake?.id !== expected.id || current.generation !== expected.generation) throw fenced(id)
      const links = current.links.map((link): SubscriptionLink => {
        const ack = acks.find((candidate) => candidate.stream === link.path)
        return ack === undefined || ack.offset.messages <= link.acked.messages ? link : { ...link, acked: ack.offset }
      })
      if (!done) {
        return { ...current, links, wake: { ...current.wake, leaseExpiresAtMs: now() + current.config.leaseTtlMs } }
      }
      const { wake: _done, ...rest } = current
      return { ...rest, links }
    })
    if (!done) return false
    const after = await require(id)
    const nextWake = pendingStreams(after.links, await linkedTails(after)).length > 0
    if (nextWake) await wake(id)
    return nextWake
  }

  /** Checks a wake token against the current wake. @throws FENCED, UNAUTHORIZED */
  const checkWake = async (id: string, request: { wakeId: string; generation: number; token: string }) => {
    const record = clearExpired(await require(id), now())
    const current = record.wake
    if (current === undefined || current.id !== request.wakeId || current.generation !== request.generation)
      throw fenced(id)
    if (current.tokenHash === undefined || current.tokenHash !== hashToken(request.token))
      throw new SessionError('UNAUTHORIZED', 'the token is not the token of this wake', { details: { id } })
    return current
  }

  /** A stream changed (here or on another node): link it where a pattern matches, and wake its subscriptions. */
  const onStreamChange = async (path: string): Promise<void> => {
    if (path.startsWith(SUBSCRIPTION_RECORD_PREFIX)) {
      remember(path.slice(SUBSCRIPTION_RECORD_PREFIX.length), await load(path.slice(SUBSCRIPTION_RECORD_PREFIX.length)))
      return
    }
    if (path.startsWith(STREAM_CONTROL_PREFIX)) return
    for (const record of [...known.values()]) {
      if (!matches(record, path)) continue
      if (!record.links.some((link) => link.path === path)) {
        const stream = await store.get(path)
        // A stream born after the subscription is linked at its start, so the append that made it is delivered.
        const from =
          stream === undefined || stream.createdAtMs >= record.createdAtMs ? { messages: 0, bytes: 0 } : undefined
        const tails = from === undefined ? await tailsOf([path]) : new Map([[path, from]])
        await change(record.id, (current) => (current === undefined ? undefined : link(current, [path], tails, 'glob')))
      }
      await wake(record.id)
    }
  }
  const unwatch = service.watch((path) => {
    void onStreamChange(path).catch(onError)
  })

  return {
    async put(id, config, rootUrl) {
      const backfill =
        config.pattern === undefined
          ? []
          : (await store.list('')).filter((path) => !path.startsWith(STREAM_CONTROL_PREFIX))
      const tails = await tailsOf([...config.streams, ...backfill])
      let created = false
      const record = await change(id, (current) => {
        if (current !== undefined) {
          if (current.config.hash !== config.hash)
            throw new SessionError('SUBSCRIPTION_CONFLICT', `subscription ${id} exists with another configuration`, {
              details: { id },
            })
          return current
        }
        created = true
        const fresh: SubscriptionRecord = {
          id,
          config,
          rootUrl,
          createdAtMs: now(),
          links: [],
          generation: 0,
          failures: 0,
        }
        const globbed = backfill.filter((path) => matches(fresh, path) && !config.streams.includes(path))
        return link(link(fresh, config.streams, tails, 'explicit'), globbed, tails, 'glob')
      })
      if (record === undefined) throw notFound(id)
      return { created, record }
    },
    get: require,
    async remove(id) {
      await require(id)
      await store.delete(recordPath(id))
      remember(id, undefined)
    },
    async addStreams(id, paths) {
      const tails = await tailsOf(paths)
      await change(id, (current) => {
        if (current === undefined) throw notFound(id)
        return link(current, paths, tails, 'explicit')
      })
    },
    async removeStream(id, path) {
      await change(id, (current) => {
        if (current === undefined) throw notFound(id)
        const globbed = current.config.pattern !== undefined && matchStreamGlob(current.config.pattern, path)
        const links = current.links.flatMap((candidate) => {
          if (candidate.path !== path || !candidate.explicit) return [candidate]
          return globbed ? [{ ...candidate, explicit: false, glob: true }] : []
        })
        return links.length === current.links.length && links.every((l, i) => l === current.links[i])
          ? current
          : { ...current, links }
      })
    },
    async ack(id, request) {
      const current = await checkWake(id, request)
      return await applyAck(id, current, request.acks, request.done)
    },
    async claim(id, worker) {
      const stored = await require(id)
      if (stored.config.type !== 'pull-wake')
        throw new SessionError('BAD_REQUEST', 'only pull-wake subscriptions are claimed', { details: { id } })
      const tails = await linkedTails(stored)
      const token = randomBytes(24).toString('base64url')
      let claimed: SubscriptionWake | undefined
      const record = await change(id, (current) => {
        if (current === undefined) throw notFound(id)
        const live = clearExpired(current, now())
        if (live.wake?.holder !== undefined)
          throw new SessionError('ALREADY_CLAIMED', `subscription ${id} is claimed by ${live.wake.holder}`, {
            details: { id, errorFields: { current_holder: live.wake.holder, generation: live.wake.generation } },
          })
        const streams = pendingStreams(live.links, tails)
        const base = live.wake ?? (streams.length > 0 ? newWake(live, streams) : undefined)
        if (base === undefined) return live
        claimed = {
          ...base,
          streams: streams.length > 0 ? streams : base.streams,
          holder: worker,
          tokenHash: hashToken(token),
          leaseExpiresAtMs: now() + live.config.leaseTtlMs,
        }
        return { ...live, generation: claimed.generation, wake: claimed }
      })
      if (claimed === undefined || record === undefined) return undefined
      return { record, wake: claimed, token }
    },
    async release(id, request) {
      const current = await checkWake(id, request)
      await change(id, (record) => {
        if (record === undefined) throw notFound(id)
        if (record.wake?.id !== current.id) throw fenced(id)
        const { wake: _released, ...rest } = record
        return rest
      })
      await wake(id)
    },
    async start() {
      for (const path of await store.list(SUBSCRIPTION_RECORD_PREFIX)) {
        const id = path.slice(SUBSCRIPTION_RECORD_PREFIX.length)
        remember(id, await load(id))
        await wake(id)
      }
    },
    stop() {
      stopped = true
      unwatch()
      deliveries.abort()
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
    },
  }
}
