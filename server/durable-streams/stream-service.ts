/**
 * The operations of Durable Streams over a StreamStore (PROTOCOL.md §9): create, append, close, delete, metadata
 * and reads, with closure, JSON mode, `Stream-Seq`, idempotent producers and expiry. Every change is decided inside
 * the store's transaction on the record it replaces (StreamStore.change), so validation and the append are atomic,
 * also between server nodes sharing a store; readers waiting for data are woken after each commit, of any node.
 */
import { assert } from '../../shared/errors/invariant.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { STREAM_HEADERS, STREAM_QUERY } from '../../shared/protocol/durable-streams.ts'
import { checkProducer, type ProducerBatch } from './check-producer.ts'
import { isJsonContentType, mediaType, splitJsonMessages } from './json-messages.ts'
import { isExpired } from './stream-expiry.ts'
import { createKeyedLock } from './keyed-lock.ts'
import { materializeFork, type ForkRequest } from './materialize-fork.ts'
import { formatOffset, type RequestedOffset, type StreamPosition } from './stream-offset.ts'
import type { ProducerState, StreamChange, StreamMessage, StreamMeta, StreamStore } from './stream-store.ts'

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
  /** Absent: the source's for a fork, else `application/octet-stream`. */
  readonly contentType?: string
  readonly ttlSeconds?: number
  readonly expiresAt?: string
  readonly closed: boolean
  readonly body: Uint8Array
  readonly fork?: ForkRequest
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
  readonly producer?: { readonly state: ProducerState; readonly duplicate: boolean }
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

/** Durable Streams operations. Failures are SessionErrors whose `details.headers` go on the response. */
export interface StreamService {
  /** Creates a stream or a fork; `created` is false for an idempotent re-create. @throws STREAM_CONFLICT, STREAM_NOT_FOUND, STREAM_GONE, BAD_REQUEST */
  create(path: string, request: CreateStreamRequest): Promise<{ created: boolean; meta: StreamMeta }>
  /** Appends and/or closes. @throws STREAM_NOT_FOUND, STREAM_CLOSED, STREAM_CONFLICT, PRODUCER_*, BAD_REQUEST */
  append(path: string, request: AppendStreamRequest): Promise<AppendStreamResult>
  /** Deletes a stream; one with live forks is soft-deleted (STREAM_GONE) until its last fork goes. @throws STREAM_NOT_FOUND, STREAM_GONE */
  remove(path: string): Promise<void>
  /** Metadata without extending the TTL. @throws STREAM_NOT_FOUND */
  head(path: string): Promise<StreamMeta>
  /** Messages from `offset`, extending a sliding TTL. @throws STREAM_NOT_FOUND, BAD_REQUEST for an offset beyond the tail */
  read(path: string, offset: RequestedOffset): Promise<StreamReadResult>
  /** Resolves when the stream holds more than `afterMessages` messages, is closed or gone, or after `timeoutMs`. */
  waitForData(path: string, afterMessages: number, timeoutMs: number, signal?: AbortSignal): Promise<void>
  /**
   * Runs `change` under the stream's lock with its current metadata (undefined when absent) and commits what it
   * returns; used by owners of derived streams (session events). Resolves with the stream's metadata afterwards.
   */
  update(
    path: string,
    change: (meta: StreamMeta | undefined) => StreamChange | undefined,
  ): Promise<StreamMeta | undefined>
  /**
   * Calls `listener` with the path of every committed change: this node's after they commit, other nodes' as the
   * store reports them (StreamStore.watch). Returns an unsubscribe.
   */
  watch(listener: (path: string) => void): () => void
}

/** Lock key of structural changes (creates, deletes): never a stream path, which is never empty. */
const STRUCTURE = ''

type MaterializedFork = Awaited<ReturnType<typeof materializeFork>> & { readonly source: StreamMeta }

/** A reader waiting for data: told of each change of its stream, with the record after it when the change was made here. */
type Waiter = (known?: { readonly meta: StreamMeta | undefined }) => void

/** What a decision on a stream's stored record resolves with, and the change it commits (none: nothing to write). */
interface Decided<T> {
  readonly result: T
  readonly change?: StreamChange | undefined
}

/** Creates the service over `options.store`. */
export function createStreamService(options: StreamServiceOptions): StreamService {
  const { store } = options
  const now = options.now ?? Date.now
  const maxReadBytes = options.maxReadBytes ?? 1024 * 1024
  const withLock = createKeyedLock()
  const waiters = new Map<string, Set<Waiter>>()
  const listeners = new Set<(path: string) => void>()

  /** Tells the readers waiting on `path` of a change: with the stream's record after it when known here. */
  const notify = (path: string, known?: { readonly meta: StreamMeta | undefined }): void => {
    for (const waiter of waiters.get(path) ?? []) waiter(known)
    for (const listener of listeners) listener(path)
  }
  // Readers here wake for the commits of other nodes sharing the store too.
  store.watch?.(notify)
  /** The live metadata of `path`; an expired stream is deleted on sight. */
  const load = async (path: string): Promise<StreamMeta | undefined> => {
    const meta = await store.get(path)
    if (meta === undefined || !isExpired(meta, now())) return meta
    await store.delete(path)
    notify(path, { meta: undefined })
    return undefined
  }
  const requireStream = async (path: string): Promise<StreamMeta> => requireLive(path, await load(path), now())
  /**
   * Runs `decide` on the stream's record inside the store's transaction (serialised with every node sharing the
   * store), commits its change, wakes this node's readers and resolves with its result.
   */
  const decideAndCommit = async <T>(
    path: string,
    decide: (current: StreamMeta | undefined) => Decided<T>,
  ): Promise<T> => {
    const box: { decided?: Decided<T> } = {}
    const committed = await store.change(path, (current) => {
      box.decided = decide(current)
      return box.decided.change
    })
    if (committed !== undefined) notify(path, { meta: committed.meta })
    assert(box.decided !== undefined, 'the store ran the decision')
    return box.decided.result
  }
  /** Creates `path` (or confirms an identical existing one), optionally as a fork starting with `fork.messages`. */
  const createAt = async (path: string, request: CreateStreamRequest, fork: MaterializedFork | undefined) => {
    const source = fork?.source
    if (
      source !== undefined &&
      request.contentType !== undefined &&
      mediaType(request.contentType) !== mediaType(source.contentType)
    ) {
      throw new SessionError('STREAM_CONFLICT', `a fork keeps its source's content type ${source.contentType}`, {
        details: { path },
      })
    }
    const contentType = request.contentType ?? source?.contentType ?? 'application/octet-stream'
    const lifetime =
      request.ttlSeconds !== undefined || request.expiresAt !== undefined || source === undefined
        ? { ttlSeconds: request.ttlSeconds, expiresAt: request.expiresAt }
        : { ttlSeconds: source.ttlSeconds, expiresAt: source.expiresAt }
    const messages = [...(fork?.messages ?? []), ...splitBody(contentType, request.body, true)]
    return await decideAndCommit(path, (existing): Decided<{ created: boolean; meta: StreamMeta }> => {
      if (existing?.softDeleted === true)
        throw new SessionError('STREAM_CONFLICT', `stream ${path} was deleted while forks of it exist`, {
          details: { path },
        })
      if (existing !== undefined) {
        const same =
          mediaType(existing.contentType) === mediaType(contentType) &&
          existing.ttlSeconds === lifetime.ttlSeconds &&
          existing.expiresAt === lifetime.expiresAt &&
          existing.closed === request.closed &&
          JSON.stringify(existing.fork) === JSON.stringify(fork?.origin)
        if (!same)
          throw new SessionError('STREAM_CONFLICT', `stream ${path} exists with another configuration`, {
            details: { path },
          })
        return { result: { created: false, meta: existing } }
      }
      const time = now()
      const meta: StreamMeta = {
        path,
        contentType,
        closed: request.closed,
        createdAtMs: time,
        touchedAtMs: time,
        messageCount: messages.length,
        byteCount: byteLength(messages),
        producers: {},
        ...(lifetime.ttlSeconds === undefined ? {} : { ttlSeconds: lifetime.ttlSeconds }),
        ...(lifetime.expiresAt === undefined ? {} : { expiresAt: lifetime.expiresAt }),
        ...(fork === undefined ? {} : { fork: fork.origin }),
      }
      return { result: { created: true, meta }, change: { meta, messages } }
    })
  }
  /** Adds `delta` to the fork count of `path`; resolves with the record after it (undefined when it is gone). */
  const countForks = (path: string, delta: number) =>
    decideAndCommit(path, (current): Decided<StreamMeta | undefined> => {
      if (current === undefined) return { result: undefined }
      const meta = { ...current, forkCount: Math.max(0, (current.forkCount ?? 0) + delta) }
      return { result: meta, change: { meta, messages: [] } }
    })

  return {
    // Creates and deletes also take the STRUCTURE lock: a fork locks its own path and then its source's.
    create: (path, request) =>
      withLock(STRUCTURE, () =>
        withLock(path, async () => {
          await load(path) // an expired stream at the path is deleted first
          if (request.fork === undefined) return await createAt(path, request, undefined)
          const { fork } = request
          if (fork.source === path)
            throw new SessionError('STREAM_CONFLICT', 'a stream cannot fork itself', { details: { path } })
          return await withLock(fork.source, async () => {
            if ((await load(fork.source))?.softDeleted === true) {
              throw new SessionError('STREAM_CONFLICT', `stream ${fork.source} was deleted and cannot be forked`, {
                details: { path: fork.source },
              })
            }
            const source = await requireStream(fork.source)
            const result = await createAt(path, request, { source, ...(await materializeFork(store, source, fork)) })
            if (result.created) await countForks(fork.source, 1)
            return result
          })
        }),
      ),

    // An expired or deleted stream is refused inside the decision; an expired one is deleted by the next load.
    append: (path, request) =>
      withLock(path, () =>
        decideAndCommit(path, (current): Decided<AppendStreamResult> => {
          const meta = requireLive(path, current, now())
          const { producer } = request
          const stored = producer === undefined ? undefined : meta.producers[producer.id]
          if (meta.closed) {
            const closedBy = meta.closedBy
            if (
              producer !== undefined &&
              closedBy !== undefined &&
              closedBy.producerId === producer.id &&
              closedBy.epoch === producer.epoch &&
              closedBy.seq === producer.seq
            ) {
              return { result: { meta, producer: { state: stored ?? producer, duplicate: true } } }
            }
            if (request.close && request.body.byteLength === 0 && producer === undefined) return { result: { meta } }
            throw new SessionError('STREAM_CLOSED', `stream ${path} is closed`, {
              details: { path, headers: closedHeaders(meta) },
            })
          }
          if (
            request.body.byteLength > 0 &&
            (request.contentType === undefined || mediaType(request.contentType) !== mediaType(meta.contentType))
          ) {
            throw new SessionError('STREAM_CONFLICT', `content type does not match the stream's ${meta.contentType}`, {
              details: { path },
            })
          }
          const decision = producer === undefined ? undefined : checkProducer(stored, producer)
          if (decision?.kind === 'duplicate')
            return { result: { meta, producer: { state: decision.state, duplicate: true } } }
          if (
            request.streamSeq !== undefined &&
            meta.lastStreamSeq !== undefined &&
            !(request.streamSeq > meta.lastStreamSeq)
          ) {
            throw new SessionError(
              'STREAM_CONFLICT',
              `Stream-Seq ${request.streamSeq} does not follow ${meta.lastStreamSeq}`,
              { details: { path } },
            )
          }
          const messages = splitBody(meta.contentType, request.body, false)
          const next: StreamMeta = {
            ...meta,
            touchedAtMs: now(),
            messageCount: meta.messageCount + messages.length,
            byteCount: meta.byteCount + byteLength(messages),
            closed: request.close,
            ...(request.close && producer !== undefined
              ? { closedBy: { producerId: producer.id, epoch: producer.epoch, seq: producer.seq } }
              : {}),
            ...(request.streamSeq === undefined ? {} : { lastStreamSeq: request.streamSeq }),
            ...(producer === undefined || decision === undefined
              ? {}
              : { producers: { ...meta.producers, [producer.id]: decision.state } }),
          }
          const result =
            decision === undefined
              ? { meta: next }
              : { meta: next, producer: { state: decision.state, duplicate: false } }
          return { result, change: { meta: next, messages } }
        }),
      ),

    remove: (path) =>
      withLock(STRUCTURE, () =>
        withLock(path, async () => {
          await requireStream(path)
          const { meta, softDeleted } = await decideAndCommit(
            path,
            (current): Decided<{ meta: StreamMeta; softDeleted: boolean }> => {
              const live = requireLive(path, current, now())
              if ((live.forkCount ?? 0) === 0) return { result: { meta: live, softDeleted: false } }
              const marked = { ...live, softDeleted: true }
              return { result: { meta: marked, softDeleted: true }, change: { meta: marked, messages: [] } }
            },
          )
          if (softDeleted) return
          await store.delete(path)
          notify(path, { meta: undefined })
          // Release the source; a soft-deleted source whose last fork this was goes too, and so on up the chain.
          let origin = meta.fork
          while (origin !== undefined) {
            const sourcePath: string = origin.source
            origin = await withLock(sourcePath, async () => {
              const source = await countForks(sourcePath, -1)
              if (source === undefined || source.softDeleted !== true || (source.forkCount ?? 0) > 0) return undefined
              await store.delete(sourcePath)
              notify(sourcePath, { meta: undefined })
              return source.fork
            })
          }
        }),
      ),

    head: (path) => requireStream(path),

    async read(path, offset) {
      let meta = await requireStream(path)
      if (offset.kind === 'position') refuseBeyondTail(offset.position, meta)
      if (meta.ttlSeconds !== undefined) {
        meta = await withLock(path, () =>
          decideAndCommit(path, (current): Decided<StreamMeta> => {
            const touched = { ...requireLive(path, current, now()), touchedAtMs: now() }
            return { result: touched, change: { meta: touched, messages: [] } }
          }),
        )
      }
      const tail = { messages: meta.messageCount, bytes: meta.byteCount }
      const start = offset.kind === 'now' ? tail : offset.position
      const messages = offset.kind === 'now' ? [] : await store.read(path, start.messages, maxReadBytes)
      const last = messages.at(-1)
      const next = last === undefined ? start : { messages: last.index, bytes: last.byteEnd }
      return { meta, start, messages, next, upToDate: next.messages >= tail.messages }
    },

    async waitForData(path, afterMessages, timeoutMs, signal) {
      const ready = (meta: StreamMeta | undefined): boolean =>
        meta === undefined || meta.closed || meta.softDeleted === true || meta.messageCount > afterMessages
      // Registers first, then looks: a commit between the look and the registration would otherwise go unnoticed.
      // A change that adds nothing (another reader renewing the TTL) does not end the wait: readers that ended theirs
      // on it would renew again and wake each other in a loop.
      await new Promise<void>((resolve, reject) => {
        const set = waiters.get(path) ?? new Set<Waiter>()
        waiters.set(path, set)
        let looking = false
        let lookAgain = false
        const finish = (error?: unknown): void => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', stop)
          set.delete(waiter)
          if (set.size === 0 && waiters.get(path) === set) waiters.delete(path)
          if (error === undefined) resolve()
          else reject(error)
        }
        const stop = (): void => {
          finish()
        }
        /** Reads the record (another node's change, or the first look); a change during the read is looked at again. */
        const look = (): void => {
          if (looking) {
            lookAgain = true
            return
          }
          looking = true
          load(path).then((meta) => {
            looking = false
            if (ready(meta)) finish()
            else if (lookAgain) {
              lookAgain = false
              look()
            }
          }, finish)
        }
        const waiter: Waiter = (known) => {
          if (known === undefined) look()
          else if (ready(known.meta)) finish()
        }
        const timer = setTimeout(stop, timeoutMs)
        signal?.addEventListener('abort', stop)
        set.add(waiter)
        if (signal?.aborted === true) stop()
        else look()
      })
    },

    watch(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },

    update: (path, change) =>
      withLock(path, () =>
        decideAndCommit(path, (current): Decided<StreamMeta | undefined> => {
          const changed = change(current)
          return { result: changed?.meta ?? current, change: changed }
        }),
      ),
  }
}

/** The record of a stream that exists, is not deleted and has not expired at `time`. @throws STREAM_NOT_FOUND, STREAM_GONE */
function requireLive(path: string, meta: StreamMeta | undefined, time: number): StreamMeta {
  if (meta === undefined || isExpired(meta, time))
    throw new SessionError('STREAM_NOT_FOUND', `no stream at ${path}`, { details: { path } })
  if (meta.softDeleted === true)
    throw new SessionError('STREAM_GONE', `stream ${path} was deleted`, { details: { path } })
  return meta
}

/** The offset headers a 409 on a closed stream carries. */
function closedHeaders(meta: StreamMeta): Record<string, string> {
  return {
    [STREAM_HEADERS.CLOSED]: 'true',
    [STREAM_HEADERS.NEXT_OFFSET]: formatOffset({ messages: meta.messageCount, bytes: meta.byteCount }),
  }
}

function splitBody(contentType: string, body: Uint8Array, allowEmpty: boolean): Uint8Array[] {
  if (body.byteLength === 0) return []
  return isJsonContentType(contentType) ? splitJsonMessages(body, { allowEmpty }) : [body]
}

function byteLength(messages: readonly Uint8Array[]): number {
  return messages.reduce((sum, message) => sum + message.byteLength, 0)
}

/**
 * Refuses a read from a position past the tail of `meta`'s stream: no such offset was ever minted for it (PROTOCOL.md
 * §9.2), so answering it as the tail would hide a client's bug, or a stream deleted and created again.
 * @throws SessionError BAD_REQUEST with the offset and the tail
 */
function refuseBeyondTail(position: StreamPosition, meta: StreamMeta): void {
  const tail = { messages: meta.messageCount, bytes: meta.byteCount }
  if (position.messages <= tail.messages && position.bytes <= tail.bytes) return
  throw new SessionError('BAD_REQUEST', 'the offset is beyond the tail of the stream', {
    details: { field: STREAM_QUERY.OFFSET, offset: formatOffset(position), tail: formatOffset(tail) },
  })
}
