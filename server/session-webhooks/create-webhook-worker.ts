/**
 * The delivery worker of session webhooks (PROTOCOL.md §9.12): per endpoint and session, one drain at a time on this
 * node that takes the lease on the stored cursor, posts the next event (a replayed dead letter first, then the events
 * past the cursor of the kinds the endpoint receives), and records the outcome under that lease: delivered, retried
 * after a backoff with jitter, or dead-lettered after `maxAttempts`. Timers bring a drain back when a retry or another
 * node's lease comes due. `close` stops new attempts, waits for those in flight and hands the leases back.
 */
import { randomBytes } from 'node:crypto'
import { SESSION_STREAM_NAMESPACE } from '../../shared/protocol/session-stream-path.ts'
import { controlRecordMeta } from '../durable-streams/control-record-meta.ts'
import { type RetrySchedule, retryDelayMs } from '../durable-streams/retry-delay.ts'
import { formatOffset } from '../durable-streams/stream-offset.ts'
import type { StreamMessage, StreamStore } from '../durable-streams/stream-store.ts'
import { deliverSessionWebhook, webhookIdempotencyKey } from './deliver-session-webhook.ts'
import { nextWebhookWork, withoutLease } from './next-webhook-work.ts'
import {
  cursorRecordPath,
  type DeadLetter,
  receives,
  type WebhookCursor,
  type WebhookEndpointRecord,
} from './webhook-records.ts'

/** Messages read per batch when skipping events of kinds an endpoint does not receive. */
const READ_BATCH_BYTES = 256 * 1024

/** Outcome of one attempt as counted: delivered, failed (to be retried), or failed for the last time. */
export type SessionWebhookOutcomeLabel = 'delivered' | 'failed' | 'dead_lettered'

/** What the worker needs; durations in ms. */
export interface WebhookWorkerOptions {
  readonly store: StreamStore
  /**
   * The endpoint of an id, while it exists, read from the store before each delivery: a node that missed another
   * node's deletion (its notification is lost while the node's LISTEN connection is down) must not deliver to it,
   * nor make its cursors again.
   */
  readonly endpoint: (id: string) => Promise<WebhookEndpointRecord | undefined>
  readonly now: () => number
  readonly random: () => number
  readonly maxAttempts: number
  readonly timeoutMs: number
  readonly leaseMs: number
  readonly retry: RetrySchedule
  readonly onError: (error: unknown) => void
  readonly onOutcome?: ((outcome: SessionWebhookOutcomeLabel) => void) | undefined
  /** Called with each cursor this node stored, once the store committed it. */
  readonly onStored?: ((path: string, cursor: WebhookCursor) => void) | undefined
}

/** The running worker. */
export interface WebhookWorker {
  /** This node's name in leases. */
  readonly holder: string
  /** Delivers what is pending for the pair (now, or after the drain in progress). */
  kick(endpointId: string, sessionId: string): void
  /** Kicks the pair at `atMs` (epoch ms). */
  schedule(endpointId: string, sessionId: string, atMs: number): void
  /** Drops the timers of the cursors whose store path `matches`. */
  cancel(matches: (path: string) => boolean): void
  /** True while a drain of the cursor at `path` runs here. */
  draining(path: string): boolean
  readCursor(path: string): Promise<WebhookCursor | undefined>
  /** Stores `decide`'s cursor when it is another object than the stored one (then calls `onStored`). */
  changeCursor(path: string, decide: (current: WebhookCursor | undefined) => WebhookCursor | undefined): Promise<void>
  /** Stops new attempts and waits for the drains in flight. */
  close(): Promise<void>
}

/** Creates the worker. */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { store, now, random, maxAttempts, timeoutMs, leaseMs, retry, onError } = options
  const holder = `n_${randomBytes(9).toString('base64url')}`
  const running = new Map<string, Promise<void>>()
  const dirty = new Set<string>()
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  let stopped = false

  const readCursor = async (path: string): Promise<WebhookCursor | undefined> =>
    (await store.get(path))?.state as WebhookCursor | undefined
  /** Stores `decide`'s cursor when it is another object than the stored one. */
  const changeCursor = async (
    path: string,
    decide: (current: WebhookCursor | undefined) => WebhookCursor | undefined,
  ): Promise<void> => {
    let stored: WebhookCursor | undefined
    await store.change(path, (meta) => {
      const current = meta?.state as WebhookCursor | undefined
      const next = decide(current)
      stored = next === current ? undefined : next
      return stored === undefined ? undefined : { meta: controlRecordMeta(path, stored, now()), messages: [] }
    })
    if (stored !== undefined) options.onStored?.(path, stored)
  }

  /** Runs the delivery of one session to one endpoint, once at a time per pair on this node. */
  const kick = (endpointId: string, sessionId: string): void => {
    if (stopped) return
    const key = cursorRecordPath(endpointId, sessionId)
    if (running.has(key)) {
      dirty.add(key)
      return
    }
    const run = (async () => {
      do {
        dirty.delete(key)
        await drain(endpointId, sessionId)
      } while (dirty.has(key) && !stopped)
    })()
      .catch((error: unknown) => {
        onError(error)
        // A store that failed (a lost PostgreSQL connection) is tried again like a failed attempt.
        schedule(endpointId, sessionId, now() + retry.firstDelayMs)
      })
      .finally(() => running.delete(key))
    running.set(key, run)
  }
  const schedule = (endpointId: string, sessionId: string, atMs: number): void => {
    const key = cursorRecordPath(endpointId, sessionId)
    clearTimeout(timers.get(key))
    if (stopped) return
    timers.set(
      key,
      setTimeout(
        () => {
          timers.delete(key)
          kick(endpointId, sessionId)
        },
        Math.max(0, atMs - now()),
      ),
    )
  }

  /** Delivers what is pending, one item after another, until nothing is, a retry waits, or another node leads. */
  const drain = async (endpointId: string, sessionId: string): Promise<void> => {
    const path = cursorRecordPath(endpointId, sessionId)
    const streamPath = `${SESSION_STREAM_NAMESPACE}${sessionId}`
    while (!stopped) {
      const endpoint = await options.endpoint(endpointId)
      const stream = await store.get(streamPath)
      if (endpoint === undefined || stream === undefined) return
      const leaseId = randomBytes(9).toString('base64url')
      let work: ReturnType<typeof nextWebhookWork> | undefined
      await changeCursor(path, (current) => {
        work = nextWebhookWork(current, { endpointId, sessionId, stream, holder, leaseId, nowMs: now(), leaseMs })
        return work.cursor
      })
      if (work === undefined || work.kind === 'idle') return
      if (work.kind === 'wait') {
        schedule(endpointId, sessionId, work.untilMs)
        return
      }
      if (!(await attemptNext(endpoint, work.cursor, streamPath, leaseId))) return
      // Closing: hand the pair over at once rather than when the lease runs out.
      if (stopped) await commit(path, leaseId, withoutLease)
    }
  }

  /** Delivers the cursor's next item under the lease `leaseId`; resolves false when it must wait or lost the lease. */
  const attemptNext = async (
    endpoint: WebhookEndpointRecord,
    cursor: WebhookCursor,
    streamPath: string,
    leaseId: string,
  ): Promise<boolean> => {
    const path = cursorRecordPath(endpoint.id, cursor.sessionId)
    const replayed = cursor.replay[0]
    const messages = await store.read(
      streamPath,
      replayed === undefined ? cursor.delivered : replayed.index - 1,
      replayed === undefined ? READ_BATCH_BYTES : 1,
    )
    let skipTo = cursor.delivered
    let next: { message: StreamMessage; event: { type: string } } | undefined
    for (const message of messages) {
      if (replayed !== undefined && message.index !== replayed.index) break
      const event = JSON.parse(Buffer.from(message.data).toString('utf8')) as { type: string }
      if (replayed !== undefined || receives(endpoint.kinds, event.type)) {
        next = { message, event }
        break
      }
      skipTo = message.index
    }
    if (next === undefined) {
      if (replayed === undefined && skipTo === cursor.delivered) {
        await commit(path, leaseId, withoutLease) // nothing readable past the cursor: the stream changes under us
        return false
      }
      // Everything read is of kinds the endpoint does not receive, or the replayed event is gone with its session.
      return await commit(path, leaseId, (current) =>
        replayed === undefined ? { ...current, delivered: Math.max(current.delivered, skipTo) } : dropReplay(current),
      )
    }
    const { message, event } = next
    const offset = formatOffset({ messages: message.index - 1, bytes: message.byteEnd - message.data.byteLength })
    const attempt = cursor.attempts + 1
    const outcome = await deliverSessionWebhook({
      endpoint,
      sessionId: cursor.sessionId,
      offset,
      event,
      attempt,
      nowMs: now(),
      timeoutMs,
    })
    const done = (current: WebhookCursor): WebhookCursor => {
      const { nextAttemptAtMs: _next, lastError: _error, ...rest } = current
      const base = { ...rest, attempts: 0 }
      return replayed === undefined
        ? { ...base, delivered: Math.max(current.delivered, message.index) }
        : dropReplay(base)
    }
    if (outcome.ok) {
      options.onOutcome?.('delivered')
      return await commit(path, leaseId, done)
    }
    if (attempt >= maxAttempts) {
      options.onOutcome?.('dead_lettered')
      const letter: DeadLetter = {
        key: webhookIdempotencyKey(cursor.sessionId, offset),
        index: message.index,
        offset,
        kind: event.type,
        attempts: attempt,
        lastError: outcome.error,
        deadAtMs: now(),
      }
      return await commit(path, leaseId, (current) => ({
        ...done(current),
        deadLetters: [...current.deadLetters, letter],
      }))
    }
    options.onOutcome?.('failed')
    const retryAtMs = now() + retryDelayMs(attempt, random, retry)
    await commit(path, leaseId, (current) =>
      withoutLease({ ...current, attempts: attempt, nextAttemptAtMs: retryAtMs, lastError: outcome.error }),
    )
    schedule(endpoint.id, cursor.sessionId, retryAtMs)
    return false
  }

  /** Applies `change` when this node still holds the lease `leaseId`; resolves whether it did. */
  const commit = async (
    path: string,
    leaseId: string,
    change: (current: WebhookCursor) => WebhookCursor,
  ): Promise<boolean> => {
    let held = false
    await changeCursor(path, (current) => {
      held = current?.lease?.id === leaseId
      return current === undefined || !held ? current : change(current)
    })
    return held
  }

  return {
    holder,
    kick,
    schedule,
    cancel(matches) {
      for (const [key, timer] of timers) {
        if (!matches(key)) continue
        clearTimeout(timer)
        timers.delete(key)
      }
    },
    draining: (path) => running.has(path),
    readCursor,
    changeCursor,
    async close() {
      stopped = true
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
      await Promise.all(running.values())
    },
  }
}

/** `cursor` with its first replay done (delivered, dead-lettered again, or gone with its session). */
function dropReplay(cursor: WebhookCursor): WebhookCursor {
  return { ...cursor, replay: cursor.replay.slice(1) }
}
