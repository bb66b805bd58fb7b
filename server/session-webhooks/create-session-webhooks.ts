/**
 * Session webhooks (PROTOCOL.md §9.12): posts the events of every session's event stream (§9.6) to the configured
 * endpoints, each event signed and keyed by `<sessionId>:<offset>`, at least once and in stream order per session.
 * Failed attempts are retried with exponential backoff and jitter; after `maxAttempts` an event goes to the endpoint's
 * dead-letter list, from which it can be replayed. Cursors, retry schedules, leases and dead letters are records in
 * the stream store (webhook-records.ts), so they survive restarts; a lease per endpoint and session, taken in the
 * store's transaction, lets one node of several sharing a PostgreSQL store deliver each session to each endpoint.
 */
import { randomBytes } from 'node:crypto'
import { SessionError } from '../../shared/errors/session-error.ts'
import { SESSION_STREAM_NAMESPACE } from '../../shared/protocol/session-stream-path.ts'
import { SESSION_WEBHOOK_DEFAULTS } from '../../shared/protocol/session-webhooks.ts'
import type { RetrySchedule } from '../durable-streams/retry-delay.ts'
import type { StreamStore } from '../durable-streams/stream-store.ts'
import { createWebhookWorker, type SessionWebhookOutcomeLabel } from './create-webhook-worker.ts'
import { createDeadLetterTally } from './dead-letter-tally.ts'
import { parseWebhookEndpoint, type WebhookEndpoint } from './parse-webhook-endpoint.ts'
import { createWebhookEndpoints } from './webhook-endpoints.ts'
import {
  CURSOR_RECORD_PREFIX,
  cursorRecordPath,
  type DeadLetter,
  ENDPOINT_RECORD_PREFIX,
  type WebhookCursor,
  type WebhookEndpointRecord,
} from './webhook-records.ts'

/** The server option `webhooks` (docs/operations.md § Session webhooks). */
export interface SessionWebhooksOptions {
  /** Endpoints configured by the operator: `{ id, url, secret, kinds? }` (kinds default to all). */
  readonly endpoints?: readonly unknown[]
  /** Attempts of one event before it is dead-lettered (default 8). */
  readonly maxAttempts?: number
  /** How long one attempt may take, in ms (default 10000). */
  readonly timeoutMs?: number
  /** How long a node holds one session's delivery to one endpoint without renewing it, in ms (default 30000). */
  readonly leaseMs?: number
  /** Retry backoff (default 1 s doubling to 60 s, ± 20 %). */
  readonly retry?: RetrySchedule
  /** Random source in [0, 1) of the jitter (default Math.random). */
  readonly random?: () => number
  /** Clock in epoch ms of signatures, retries and leases (default Date.now). */
  readonly now?: () => number
}

/** What the server wires in besides the options. */
export interface SessionWebhooksWiring extends SessionWebhooksOptions {
  readonly store: StreamStore
  /** Calls the listener with the store path of every committed stream change, this node's and others'. */
  readonly watch: (listener: (path: string) => void) => () => void
  readonly onError: (error: unknown) => void
  /** Counts each attempt's outcome (metrics). */
  readonly onOutcome?: (outcome: SessionWebhookOutcomeLabel) => void
}

/** A dead letter as listed, with its session. */
export interface ListedDeadLetter {
  readonly sessionId: string
  readonly letter: DeadLetter
}

/** The running webhooks. */
export interface SessionWebhooks {
  /** Stores the configured endpoints, loads the rest and resumes pending deliveries. @throws BAD_REQUEST, WEBHOOK_URL_REJECTED */
  start(): Promise<void>
  list(): readonly WebhookEndpointRecord[]
  /** @throws SessionError WEBHOOK_NOT_FOUND */
  get(id: string): WebhookEndpointRecord
  /** Adds an endpoint through the admin API (an id and secret are made when absent). @throws BAD_REQUEST, WEBHOOK_URL_REJECTED */
  add(input: Record<string, unknown>): Promise<WebhookEndpointRecord>
  /** Deletes an endpoint with its cursors and dead letters. @throws SessionError WEBHOOK_NOT_FOUND */
  remove(id: string): Promise<void>
  /** The endpoint's dead letters, oldest first per session. @throws SessionError WEBHOOK_NOT_FOUND */
  deadLetters(id: string): Promise<ListedDeadLetter[]>
  /** Queues dead letters (those with `keys`, or all) for delivery again; resolves with how many. @throws WEBHOOK_NOT_FOUND */
  replay(id: string, keys?: readonly string[]): Promise<number>
  /**
   * Dead letters of every endpoint, as this node knows them without reading the store (dead-letter-tally.ts): exact
   * for what this node changed and for the changes and deletions of other nodes sharing the store, which it hears of.
   */
  deadLetterCount(): number
  /** Deletes the cursors and dead letters of a deleted session (right to erasure). */
  forgetSession(sessionId: string): Promise<void>
  /** Stops new attempts and waits for those in flight (each bounded by `timeoutMs`). */
  close(): Promise<void>
}

/** Creates the webhooks; call `start` once the store is open. */
export function createSessionWebhooks(wiring: SessionWebhooksWiring): SessionWebhooks {
  const { store, onError } = wiring
  const now = wiring.now ?? Date.now
  const maxAttempts = wiring.maxAttempts ?? SESSION_WEBHOOK_DEFAULTS.MAX_ATTEMPTS
  const timeoutMs = wiring.timeoutMs ?? SESSION_WEBHOOK_DEFAULTS.TIMEOUT_MS
  const leaseMs = wiring.leaseMs ?? SESSION_WEBHOOK_DEFAULTS.LEASE_MS
  const retry = wiring.retry ?? {
    firstDelayMs: SESSION_WEBHOOK_DEFAULTS.FIRST_DELAY_MS,
    maxDelayMs: SESSION_WEBHOOK_DEFAULTS.MAX_DELAY_MS,
    jitter: SESSION_WEBHOOK_DEFAULTS.JITTER,
  }
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new TypeError('webhooks.maxAttempts must be at least 1')
  if (leaseMs <= timeoutMs) throw new TypeError('webhooks.leaseMs must be longer than webhooks.timeoutMs')
  const configured = (wiring.endpoints ?? []).map(parseWebhookEndpoint)
  const endpoints = createWebhookEndpoints(store, now)
  const tally = createDeadLetterTally()
  /**
   * The dead letters a cursor counts for: none once its endpoint is gone. A change of a cursor begun before its
   * endpoint was deleted may be stored or heard of after the deletion zeroed the tally; it must not count again.
   */
  const counted = (cursor: WebhookCursor | undefined): number =>
    cursor === undefined || endpoints.get(cursor.endpointId) === undefined ? 0 : cursor.deadLetters.length
  const worker = createWebhookWorker({
    store,
    endpoint: (id) => endpoints.stored(id),
    now,
    random: wiring.random ?? Math.random,
    maxAttempts,
    timeoutMs,
    leaseMs,
    retry,
    onError,
    onOutcome: wiring.onOutcome,
    onStored: (path, cursor) => tally.set(path, counted(cursor)),
  })
  const { kick, readCursor, changeCursor } = worker
  const reads = new Set<Promise<void>>()
  /** Per cursor path, the number of the last change heard of while its read runs: only the last read is counted. */
  const heard = new Map<string, number>()
  let stopped = false
  let unwatch = (): void => {}

  /** Runs a read in the background; `close` waits for it, so that none outlives the store. */
  const background = (task: Promise<void>): void => {
    const tracked = task.catch(onError).finally(() => reads.delete(tracked))
    reads.add(tracked)
  }
  /** Wakes the pairs a committed change concerns. */
  const onChange = (path: string): void => {
    if (stopped) return
    if (path.startsWith(SESSION_STREAM_NAMESPACE)) {
      const sessionId = path.slice(SESSION_STREAM_NAMESPACE.length)
      for (const endpoint of endpoints.all()) kick(endpoint.id, sessionId)
    } else if (path.startsWith(ENDPOINT_RECORD_PREFIX)) {
      background(endpoints.refresh(path.slice(ENDPOINT_RECORD_PREFIX.length)))
    } else if (path.startsWith(CURSOR_RECORD_PREFIX)) {
      // Another node leads this pair: take over when its lease or retry comes due, should it be gone by then.
      const change = (heard.get(path) ?? 0) + 1
      heard.set(path, change)
      background(followCursor(path, change))
    }
  }
  const followCursor = async (path: string, change: number): Promise<void> => {
    const last = (): boolean => {
      const isLast = heard.get(path) === change
      if (isLast) heard.delete(path)
      return isLast
    }
    const cursor = await readCursor(path).catch((error: unknown) => {
      last()
      throw error
    })
    // A read that started before a later change may end after that change's read: the last one is counted.
    if (last()) tally.set(path, counted(cursor))
    if (cursor === undefined || worker.draining(path)) return
    const dueAtMs =
      cursor.lease?.holder === worker.holder ? undefined : (cursor.lease?.expiresAtMs ?? cursor.nextAttemptAtMs)
    if (dueAtMs !== undefined) worker.schedule(cursor.endpointId, cursor.sessionId, dueAtMs)
  }

  const requireEndpoint = (id: string): WebhookEndpointRecord => {
    const endpoint = endpoints.get(id)
    if (endpoint === undefined)
      throw new SessionError('WEBHOOK_NOT_FOUND', `no webhook endpoint ${id}`, { details: { id } })
    return endpoint
  }
  const cursorsOf = async (id: string): Promise<WebhookCursor[]> => {
    const cursors: WebhookCursor[] = []
    for (const path of await store.list(`${CURSOR_RECORD_PREFIX}${id}/`)) {
      const cursor = await readCursor(path)
      if (cursor !== undefined) cursors.push(cursor)
    }
    return cursors
  }

  return {
    async start() {
      await endpoints.load(configured)
      unwatch = wiring.watch(onChange)
      // Every cursor is read once here: the dead-letter tally starts from the store, and each pair's state is known.
      const cursors = new Map<string, WebhookCursor>()
      for (const path of await store.list(CURSOR_RECORD_PREFIX)) {
        const cursor = await readCursor(path)
        if (cursor === undefined) continue
        cursors.set(path, cursor)
        tally.set(path, counted(cursor))
      }
      for (const streamPath of await store.list(SESSION_STREAM_NAMESPACE)) {
        const sessionId = streamPath.slice(SESSION_STREAM_NAMESPACE.length)
        const stream = await store.get(streamPath)
        if (stream === undefined) continue
        for (const endpoint of endpoints.all()) {
          const cursor = cursors.get(cursorRecordPath(endpoint.id, sessionId))
          const settled =
            cursor !== undefined &&
            cursor.streamCreatedAtMs === stream.createdAtMs &&
            cursor.delivered >= stream.messageCount &&
            cursor.replay.length === 0
          if (!settled && (cursor !== undefined || stream.messageCount > 0)) kick(endpoint.id, sessionId)
        }
      }
    },
    list: () => endpoints.all(),
    get: requireEndpoint,
    async add(input) {
      const endpoint: WebhookEndpoint = parseWebhookEndpoint({
        ...input,
        id: input.id ?? `wh_${randomBytes(12).toString('base64url')}`,
        secret: input.secret ?? randomBytes(32).toString('base64url'),
      })
      if (endpoints.get(endpoint.id) !== undefined)
        throw new SessionError('BAD_REQUEST', `webhook endpoint ${endpoint.id} exists`, {
          details: { field: 'id', id: endpoint.id },
        })
      return await endpoints.add(endpoint, 'api')
    },
    async remove(id) {
      requireEndpoint(id)
      await endpoints.remove(id)
      worker.cancel((path) => path.startsWith(`${CURSOR_RECORD_PREFIX}${id}/`))
      tally.forget(`${CURSOR_RECORD_PREFIX}${id}/`)
    },
    async deadLetters(id) {
      requireEndpoint(id)
      return (await cursorsOf(id)).flatMap((cursor) =>
        cursor.deadLetters.map((letter) => ({ sessionId: cursor.sessionId, letter })),
      )
    },
    async replay(id, keys) {
      requireEndpoint(id)
      let count = 0
      for (const cursor of await cursorsOf(id)) {
        let moved = 0
        await changeCursor(cursorRecordPath(id, cursor.sessionId), (current) => {
          if (current === undefined) return current
          const chosen = current.deadLetters.filter((letter) => keys === undefined || keys.includes(letter.key))
          moved = chosen.length
          if (moved === 0) return current
          return {
            ...current,
            deadLetters: current.deadLetters.filter((letter) => !chosen.includes(letter)),
            replay: [...current.replay, ...chosen],
          }
        })
        count += moved
        if (moved > 0) kick(id, cursor.sessionId)
      }
      return count
    },
    deadLetterCount: () => tally.total,
    async forgetSession(sessionId) {
      for (const endpoint of endpoints.all()) {
        const path = cursorRecordPath(endpoint.id, sessionId)
        worker.cancel((candidate) => candidate === path)
        // A read of this cursor still running saw it before the deletion: it no longer counts. The deletion's own
        // notice (PostgreSQL) starts the read that does.
        const reading = heard.get(path)
        if (reading !== undefined) heard.set(path, reading + 1)
        await store.delete(path)
        tally.set(path, 0)
      }
    },
    async close() {
      stopped = true
      unwatch()
      await Promise.all([worker.close(), ...reads])
    },
  }
}
