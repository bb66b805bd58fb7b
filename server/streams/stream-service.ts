/**
 * The operations of Durable Streams over a StreamStore (PROTOCOL.md §9): create, append, close, delete, metadata
 * and reads, with closure, JSON mode, `Stream-Seq`, idempotent producers and expiry. Every change of one stream
 * runs under that stream's lock, so validation and the append are atomic; readers waiting for data are woken
 * after each commit.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'
import { checkProducer, type ProducerBatch } from './check-producer.ts'
import { isJsonContentType, mediaType, splitJsonMessages } from './json-messages.ts'
import { isExpired } from './stream-expiry.ts'
import { createKeyedLock } from './keyed-lock.ts'
import { formatOffset, type RequestedOffset, type StreamPosition } from './stream-offset.ts'
import type { ProducerState, StreamMessage, StreamMeta, StreamStore } from './stream-store.ts'

/** Options of {@link createStreamService}. */
export interface StreamServiceOptions {
  readonly store: StreamStore
  /** Clock in epoch ms (default Date.now). */
  readonly now?: () => number
  /** Most bytes one read answers (default 1 MiB); a read returns at least one message. */
  readonly maxReadBytes?: number
}

/** A PUT. */
export interface CreateStreamRequest {
  readonly contentType: string
  readonly ttlSeconds?: number
  readonly expiresAt?: string
  readonly closed: boolean
  readonly body: Uint8Array
}

/** A POST: an append, a close, or both at once. */
export interface AppendStreamRequest {
  readonly contentType?: string
  readonly body: Uint8Array
  readonly close: boolean
  readonly streamSeq?: string
  readonly producer?: ProducerBatch
}

/** Outcome of an append: the stream after it and, for producers, their state and whether this was a retry. */
export interface AppendStreamResult {
  readonly meta: StreamMeta
  readonly producer?: { readonly state: ProducerState, readonly duplicate: boolean }
}

/** Outcome of a read. */
export interface StreamReadResult {
  readonly meta: StreamMeta
  readonly start: StreamPosition
  readonly messages: readonly StreamMessage[]
  /** Position after the last message returned (the start when none). */
  readonly next: StreamPosition
  readonly upToDate: boolean
}

/** A change computed under a stream's lock: the new metadata and the messages to append with it. */
export interface StreamChange {
  readonly meta: StreamMeta
  readonly messages: readonly Uint8Array[]
}

/** Durable Streams operations. Failures are SessionErrors whose `details.headers` go on the response. */
export interface StreamService {
  /** Creates a stream; `created` is false for an idempotent re-create. @throws STREAM_CONFLICT, BAD_REQUEST */
  create (path: string, request: CreateStreamRequest): Promise<{ created: boolean, meta: StreamMeta }>
  /** Appends and/or closes. @throws STREAM_NOT_FOUND, STREAM_CLOSED, STREAM_CONFLICT, PRODUCER_*, BAD_REQUEST */
  append (path: string, request: AppendStreamRequest): Promise<AppendStreamResult>
  /** @throws STREAM_NOT_FOUND */
  remove (path: string): Promise<void>
  /** Metadata without extending the TTL. @throws STREAM_NOT_FOUND */
  head (path: string): Promise<StreamMeta>
  /** Messages from `offset`, extending a sliding TTL. @throws STREAM_NOT_FOUND */
  read (path: string, offset: RequestedOffset): Promise<StreamReadResult>
  /** Resolves when the stream holds more than `afterMessages` messages, is closed or gone, or after `timeoutMs`. */
  waitForData (path: string, afterMessages: number, timeoutMs: number, signal?: AbortSignal): Promise<void>
  /**
   * Runs `change` under the stream's lock with its current metadata (undefined when absent) and commits what it
   * returns; used by owners of derived streams (session events). Resolves with the stream's metadata afterwards.
   */
  update (path: string, change: (meta: StreamMeta | undefined) => StreamChange | undefined): Promise<StreamMeta | undefined>
}

/** Creates the service over `options.store`. */
export function createStreamService (options: StreamServiceOptions): StreamService {
  const { store } = options
  const now = options.now ?? Date.now
  const maxReadBytes = options.maxReadBytes ?? 1024 * 1024
  const withLock = createKeyedLock()
  const waiters = new Map<string, Set<() => void>>()

  const notify = (path: string): void => {
    for (const wake of waiters.get(path) ?? []) wake()
  }
  /** The live metadata of `path`; an expired stream is deleted on sight. */
  const load = async (path: string): Promise<StreamMeta | undefined> => {
    const meta = await store.get(path)
    if (meta === undefined || !isExpired(meta, now())) return meta
    await store.delete(path)
    notify(path)
    return undefined
  }
  const requireStream = async (path: string): Promise<StreamMeta> => {
    const meta = await load(path)
    if (meta === undefined) throw new SessionError('STREAM_NOT_FOUND', `no stream at ${path}`, { details: { path } })
    return meta
  }
  const commit = async (change: StreamChange): Promise<StreamMeta> => {
    await store.commit(change.meta, change.messages)
    notify(change.meta.path)
    return change.meta
  }

  return {
    create: (path, request) => withLock(path, async () => {
      const existing = await load(path)
      if (existing !== undefined) {
        const same = mediaType(existing.contentType) === mediaType(request.contentType) &&
          existing.ttlSeconds === request.ttlSeconds && existing.expiresAt === request.expiresAt && existing.closed === request.closed
        if (!same) throw new SessionError('STREAM_CONFLICT', `stream ${path} exists with another configuration`, { details: { path } })
        return { created: false, meta: existing }
      }
      const messages = splitBody(request.contentType, request.body, true)
      const time = now()
      const meta: StreamMeta = {
        path, contentType: request.contentType, closed: request.closed, createdAtMs: time, touchedAtMs: time,
        messageCount: messages.length, byteCount: byteLength(messages), producers: {},
        ...(request.ttlSeconds === undefined ? {} : { ttlSeconds: request.ttlSeconds }),
        ...(request.expiresAt === undefined ? {} : { expiresAt: request.expiresAt }),
      }
      return { created: true, meta: await commit({ meta, messages }) }
    }),

    append: (path, request) => withLock(path, async () => {
      const meta = await requireStream(path)
      const { producer } = request
      const stored = producer === undefined ? undefined : meta.producers[producer.id]
      if (meta.closed) {
        const closedBy = meta.closedBy
        if (producer !== undefined && closedBy !== undefined && closedBy.producerId === producer.id &&
          closedBy.epoch === producer.epoch && closedBy.seq === producer.seq) {
          return { meta, producer: { state: stored ?? producer, duplicate: true } }
        }
        if (request.close && request.body.byteLength === 0 && producer === undefined) return { meta }
        throw new SessionError('STREAM_CLOSED', `stream ${path} is closed`, { details: { path, headers: closedHeaders(meta) } })
      }
      if (request.body.byteLength > 0 && (request.contentType === undefined || mediaType(request.contentType) !== mediaType(meta.contentType))) {
        throw new SessionError('STREAM_CONFLICT', `content type does not match the stream's ${meta.contentType}`, { details: { path } })
      }
      const decision = producer === undefined ? undefined : checkProducer(stored, producer)
      if (decision?.kind === 'duplicate') return { meta, producer: { state: decision.state, duplicate: true } }
      if (request.streamSeq !== undefined && meta.lastStreamSeq !== undefined && !(request.streamSeq > meta.lastStreamSeq)) {
        throw new SessionError('STREAM_CONFLICT', `Stream-Seq ${request.streamSeq} does not follow ${meta.lastStreamSeq}`, { details: { path } })
      }
      const messages = splitBody(meta.contentType, request.body, false)
      const next: StreamMeta = {
        ...meta,
        touchedAtMs: now(),
        messageCount: meta.messageCount + messages.length,
        byteCount: meta.byteCount + byteLength(messages),
        closed: request.close,
        ...(request.close && producer !== undefined ? { closedBy: { producerId: producer.id, epoch: producer.epoch, seq: producer.seq } } : {}),
        ...(request.streamSeq === undefined ? {} : { lastStreamSeq: request.streamSeq }),
        ...(producer === undefined || decision === undefined ? {} : { producers: { ...meta.producers, [producer.id]: decision.state } }),
      }
      await commit({ meta: next, messages })
      return decision === undefined ? { meta: next } : { meta: next, producer: { state: decision.state, duplicate: false } }
    }),

    remove: (path) => withLock(path, async () => {
      await requireStream(path)
      await store.delete(path)
      notify(path)
    }),

    head: (path) => requireStream(path),

    async read (path, offset) {
      let meta = await requireStream(path)
      if (meta.ttlSeconds !== undefined) meta = await withLock(path, async () => await commit({ meta: { ...await requireStream(path), touchedAtMs: now() }, messages: [] }))
      const tail = { messages: meta.messageCount, bytes: meta.byteCount }
      const start = offset.kind === 'now' || offset.position.messages > tail.messages ? tail : offset.position
      const messages = offset.kind === 'now' ? [] : await store.read(path, start.messages, maxReadBytes)
      const last = messages.at(-1)
      const next = last === undefined ? start : { messages: last.index, bytes: last.byteEnd }
      return { meta, start, messages, next, upToDate: next.messages >= tail.messages }
    },

    async waitForData (path, afterMessages, timeoutMs, signal) {
      const meta = await load(path)
      if (meta === undefined || meta.closed || meta.messageCount > afterMessages || signal?.aborted === true) return
      await new Promise<void>((resolve) => {
        const set = waiters.get(path) ?? new Set<() => void>()
        waiters.set(path, set)
        const done = (): void => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', done)
          set.delete(done)
          if (set.size === 0 && waiters.get(path) === set) waiters.delete(path)
          resolve()
        }
        const timer = setTimeout(done, timeoutMs)
        signal?.addEventListener('abort', done)
        set.add(done)
      })
    },

    update: (path, change) => withLock(path, async () => {
      const result = change(await load(path))
      return result === undefined ? await load(path) : await commit(result)
    }),
  }
}

/** The offset headers a 409 on a closed stream carries. */
function closedHeaders (meta: StreamMeta): Record<string, string> {
  return { [STREAM_HEADERS.CLOSED]: 'true', [STREAM_HEADERS.NEXT_OFFSET]: formatOffset({ messages: meta.messageCount, bytes: meta.byteCount }) }
}

function splitBody (contentType: string, body: Uint8Array, allowEmpty: boolean): Uint8Array[] {
  if (body.byteLength === 0) return []
  return isJsonContentType(contentType) ? splitJsonMessages(body, { allowEmpty }) : [body]
}

function byteLength (messages: readonly Uint8Array[]): number {
  return messages.reduce((sum, message) => sum + message.byteLength, 0)
}
