/**
 * ReplyWriter: one assistant reply being streamed into a session. Tokens are batched by ./flush-policy.ts: by
 * default a token is written at once when no update is unacknowledged, and tokens that arrive while one is go out
 * together with the acknowledgement (or at `maxBusyBufferChars`, or after `coalesceMs`), so a paced stream is not
 * delayed and a flood still becomes a few updates per second instead of thousands (stock Hocuspocus stalls under
 * per-token floods, docs/architecture.md). While streaming, the
 * writer keeps at most `maxInFlight` unacknowledged updates outstanding (flow control) and refreshes the run's
 * heartbeat. `pipeParts` does the same for typed parts (reasoning, tool calls and results) from ./adapters/.
 * No write may exceed the server's `maxUpdateBytes` (PROTOCOL.md §10.1): buffered text of any size is written in as
 * many updates as it needs, and a tool part that cannot fit in one update is refused before anything is written.
 * When the client drops a refused update by replacing its document, the writer's unacknowledged text went with it:
 * the writer stops (its `signal` aborts) and its writes and `end` throw REPLY_CLOSED; the reply stays as the server
 * has it, and the run lease marks it interrupted, so `resumeReply` can continue it. A message policy's redaction
 * (PROTOCOL.md §8.8) is the exception: the writer moves to the fresh document and writes the text and reasoning the
 * server lacks again, the redacted one with the spans replaced, so the reply goes on. While the server announces a
 * policy, the writer holds back the buffer's trailing word and the number before it (at most about
 * `client.policyHoldBackChars` characters) until more text follows or the part ends (`policySendableLength`), so a
 * pattern split across tokens reaches the server in one run. Each writer is a
 * `lifeline.reply` span (./reply-trace.ts, PROTOCOL.md §12).
 */
import { trace, type Tracer } from '@opentelemetry/api'
import type * as Y from 'yjs'
import { SessionError } from '../../shared/errors/session-error.ts'
import { TRACER_NAME } from '../../shared/observe/trace-names.ts'
import { TRACEPARENT } from '../../shared/observe/trace-parent.ts'
import {
  applyPolicySpans,
  areValidPolicySpans,
  policySendableLength,
  type PolicySpan,
} from '../../shared/policy/message-policy.ts'
import {
  appendMessage,
  appendText,
  appendToolCall,
  appendToolResult,
  endRun,
  findMessage,
  getSessionRoots,
  readMessage,
  setMessageStatus,
  startRun,
} from '../../shared/session/session-doc.ts'
import { createRandomId } from '../../shared/session/session-id.ts'
import type { SteerView } from '../../shared/session/session-schema.ts'
import { checkUpdateSize } from '../core/check-update-size.ts'
import type { SessionClient } from '../core/session-client.ts'
import { waitForCondition } from '../core/wait-for-condition.ts'
import { type FlushMode, flushAfterAck, flushAfterToken } from './flush-policy.ts'
import type { ReplyPart } from './reply-part.ts'
import { startReplyTrace } from './reply-trace.ts'
import { splitTextByBytes } from './split-text-by-bytes.ts'

/** Final states a reply can end in. */
export type ReplyEnd = 'done' | 'stopped' | 'failed'

/** Tuning of token batching and flow control. */
export interface ReplyWriterOptions {
  /**
   * `adaptive` (default): a token is written at once when no update is unacknowledged, else with the next
   * acknowledgement; `window`: every token waits `coalesceMs` (fewer, larger updates, more latency). See
   * ./flush-policy.ts.
   */
  readonly flushMode?: FlushMode
  /** Longest a token waits in the buffer, in ms (default 30): the window of `window`, the upper bound of `adaptive`. */
  readonly coalesceMs?: number
  /** Buffer size that forces a write, in characters (default 8192). */
  readonly maxBufferChars?: number
  /**
   * Buffer size that forces a write while an earlier update is still unacknowledged, in characters (default
   * 4 × `maxBufferChars`). Under a flood, the server stores one update of a connection at a time, so larger updates while one is
   * in flight keep throughput up on slower stores; tokens still wait at most `coalesceMs`.
   */
  readonly maxBusyBufferChars?: number
  /** Unacknowledged updates allowed before `pipe` waits for the server (default 32). */
  readonly maxInFlight?: number
  /** Interval of run heartbeats, in ms (default 5000). */
  readonly heartbeatMs?: number
  /** Longest `end`/`pipe` wait for acknowledgement, in ms (default 30000). */
  readonly ackTimeoutMs?: number
  /**
   * Tracer of the `lifeline.reply` spans (PROTOCOL.md §12; default `trace.getTracer('lifeline')` of
   * `@opentelemetry/api`, a no-op until the application registers a tracer provider).
   */
  readonly tracer?: Tracer
  /**
   * True: the reply is written to the local replica and never waits for the server — `pipe` does not hold back for
   * unacknowledged updates and `end` resolves once the end is written locally — so it works offline; the client
   * syncs it when connected (an on-device agent, docs/offline.md). Default false: flow control and a durable `end`.
   */
  readonly localFirst?: boolean
}

/** A streaming reply. */
export interface ReplyWriter {
  /** Message id of the reply. */
  readonly id: string
  readonly runId: string
  /** Aborted when a person stops this reply (a `stop` steer): hand it to the LLM call so no more tokens are paid for. */
  readonly signal: AbortSignal
  /** Aborts `signal`; `pipe` then ends the reply `stopped`. */
  abort(): void
  /**
   * Buffers a token; it reaches the document at once when nothing is unacknowledged (`adaptive`), else within
   * `coalesceMs`, in as many updates as `client.limits.maxUpdateBytes` requires. @throws SessionError REPLY_CLOSED after end, or once the client dropped the writer's document
   */
  append(token: string): void
  /**
   * Writes a typed part: deltas are coalesced like `append` (reasoning and text in separate parts, in order); a tool
   * call or result is written at once, after the buffered text.
   * @throws SessionError REPLY_CLOSED after end; UPDATE_TOO_LARGE (nothing written) when a tool call's input or a
   * tool result's output cannot fit in one update of `client.limits.maxUpdateBytes`
   */
  appendPart(part: ReplyPart): void
  /** Writes buffered tokens now, except the hold-back of a server's message policy (PROTOCOL.md §8.8). */
  flush(): void
  /**
   * Appends every token of `tokens`, then ends the reply `done`, or `stopped` when the writer's `signal` (or the
   * given one) aborts — also when the iterable then throws an abort error. If the iterable throws otherwise, the
   * reply ends `failed` (partial text kept) and the error is rethrown.
   */
  pipe(tokens: AsyncIterable<string>, options?: { signal?: AbortSignal }): Promise<ReplyEnd>
  /** `pipe` for typed parts (see `appendPart`), e.g. `pipeParts(fromAiSdkStream(result.fullStream))`; same endings. */
  pipeParts(parts: AsyncIterable<ReplyPart>, options?: { signal?: AbortSignal }): Promise<ReplyEnd>
  /**
   * Flushes, marks the reply and its run final, and resolves once that is durable on the server (with `localFirst`:
   * once it is written locally).
   * @throws SessionError REPLY_CLOSED once the client dropped the writer's document (details `{ messageId, dropped }`)
   */
  end(state?: ReplyEnd): Promise<void>
}

/** How a writer starts: a new reply (optionally answering `replyTo`), or more text for an existing reply. */
export type ReplyStart = (
  | { readonly agentId: string; readonly replyTo?: string }
  | { readonly agentId: string; readonly resume: Y.Map<unknown> }
) & { readonly onEnd?: (state: ReplyEnd) => void }

/**
 * Bytes of one text write besides its characters: struct headers and, when the write opens a part, the part's map
 * and `type` key — under 200 bytes, measured in reply-writer.test.ts; the rest of `maxUpdateBytes` is for text.
 */
const TEXT_WRITE_OVERHEAD_BYTES = 1024

/**
 * What the agent session needs of a writer besides {@link ReplyWriter}: telling it a steer was taken for it, or that
 * it is given up.
 */
export interface SteerableReplyWriter extends ReplyWriter {
  /** Records a steer taken for this reply on its span (`stop` and `redirect` also call `abort`). */
  steered(steer: Pick<SteerView, 'id' | 'kind'>): void
  /**
   * Gives the reply up without an end (the agent or its client closes): writes the buffered text, stops the heartbeat
   * (the run lease then marks the reply interrupted, and `resumeReply` can continue it), aborts `signal`, and ends
   * the span `abandoned` with `reason`. Later writes and `end` throw REPLY_CLOSED. Does nothing once ended.
   */
  abandon(reason: string): void
}

/**
 * Opens a reply message (status `streaming`) and its run in one transaction, or reopens `resume` with a new run; the
 * reply's span (./reply-trace.ts) starts here and its traceparent goes into the message.
 */
export function createReplyWriter(
  client: SessionClient,
  init: ReplyStart,
  options: ReplyWriterOptions = {},
): SteerableReplyWriter {
  const coalesceMs = options.coalesceMs ?? 30
  const maxBufferChars = options.maxBufferChars ?? 8192
  const flushLimits = {
    mode: options.flushMode ?? 'adaptive',
    maxBufferChars,
    maxBusyBufferChars: Math.max(maxBufferChars, options.maxBusyBufferChars ?? maxBufferChars * 4),
  }
  const maxInFlight = options.localFirst === true ? Number.POSITIVE_INFINITY : (options.maxInFlight ?? 32)
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000
  let doc = client.doc
  const id = 'resume' in init ? String(init.resume.get('id')) : `m_${createRandomId()}`
  const runId = `r_${createRandomId()}`
  const span = startReplyTrace(
    options.tracer ?? trace.getTracer(TRACER_NAME),
    { sessionId: client.sessionId, messageId: id, runId, agentId: init.agentId },
    'resume' in init ? init.resume.get(TRACEPARENT) : undefined,
  )
  const { traceparent } = span
  let reply = doc.transact(() => {
    const startedAt = Date.now()
    startRun(doc, { id: runId, agent: init.agentId, messageId: id, startedAt })
    if (!('resume' in init)) {
      return appendMessage(doc, {
        id,
        role: 'assistant',
        author: init.agentId,
        status: 'streaming',
        runId,
        createdAt: startedAt,
        ...(init.replyTo === undefined ? {} : { replyTo: init.replyTo }),
        ...(traceparent === undefined ? {} : { traceparent }),
      })
    }
    init.resume.set('runId', runId)
    // The old span ended with the run that was interrupted: without a span of this run, the message names none.
    if (traceparent !== undefined) init.resume.set(TRACEPARENT, traceparent)
    else if (init.resume.has(TRACEPARENT)) init.resume.delete(TRACEPARENT)
    setMessageStatus(init.resume, 'streaming')
    return init.resume
  })
  let buffer = ''
  let bufferType: 'text' | 'reasoning' = 'text' // one buffer; switching kind flushes it, so parts keep stream order
  let timer: ReturnType<typeof setTimeout> | undefined
  let ended = false
  /** The state `end` wrote, to write again on a fresh document after a redaction. */
  let endedWith: ReplyEnd | undefined
  /**
   * Set when the client replaced `doc` to drop a refused update, or the writer was abandoned: nothing more of this
   * writer reaches the session.
   */
  let dropped: SessionError | undefined
  /**
   * The reply's text and reasoning (each its parts of that type joined) with everything this writer wrote into them, to
   * compare with the server's after a redaction.
   */
  let sent = writtenTexts(reply)
  /** A policy redaction of this reply, announced just before the client replaces its document. */
  let redaction: { readonly spans: readonly PolicySpan[]; readonly partType: PartKind } | undefined
  /** Counts moves to a fresh document, so `end` knows its wait covered the document it wrote to. */
  let moves = 0
  const controller = new AbortController()
  const heartbeat = setInterval(() => {
    getSessionRoots(doc).runs.get(runId)?.set('heartbeatAt', Date.now())
  }, options.heartbeatMs ?? 5_000)
  const stopWriting = (): void => {
    ended = true
    clearInterval(heartbeat)
    client.off('unsynced', onAck)
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }
  /** Stops the writer for good: `error` is what every later call throws. The caller ends the span. */
  const closeWith = (error: SessionError): void => {
    dropped = error
    client.off('replica', onReplica)
    client.off('error', onError)
    stopWriting()
    controller.abort()
  }
  const drop = (): void => {
    const wasOpen = !ended
    buffer = '' // before the abort: a listener of the signal that flushes must find nothing to write
    closeWith(
      new SessionError(
        'REPLY_CLOSED',
        `reply ${id} was dropped with the client's document after the server refused an update`,
        { details: { messageId: id, dropped: true } },
      ),
    )
    if (wasOpen) {
      span.ended('failed', 'REPLY_CLOSED')
      init.onEnd?.('failed')
    }
    span.finish()
  }
  const onError = (error: SessionError): void => {
    const { reason, messageId, spans, partType } = error.details
    if (error.code === 'POLICY_REJECTED' && reason === 'redact' && messageId === id && Array.isArray(spans))
      redaction = { spans: spans as PolicySpan[], partType: partType === 'reasoning' ? 'reasoning' : 'text' }
  }
  /**
   * After a redaction: continues on the fresh document `fresh`, writing what the server lacks of the reasoning and the
   * text, the redacted part type with the spans replaced.
   */
  const moveTo = (fresh: Y.Doc, redacted: NonNullable<typeof redaction>): boolean => {
    const message = findMessage(fresh, id)
    if (message === undefined || !areValidPolicySpans(redacted.spans, sent[redacted.partType].length)) return false
    const stored = writtenTexts(message)
    const wanted = { ...sent, [redacted.partType]: applyPolicySpans(sent[redacted.partType], redacted.spans) }
    if (!wanted.text.startsWith(stored.text) || !wanted.reasoning.startsWith(stored.reasoning)) return false
    doc = fresh
    reply = message
    sent = stored
    moves++
    writeText(wanted.reasoning.slice(stored.reasoning.length), 'reasoning')
    writeText(wanted.text.slice(stored.text.length), 'text')
    if (endedWith !== undefined) finish(endedWith)
    return true
  }
  const onReplica = (fresh: Y.Doc): void => {
    const redacted = redaction
    redaction = undefined
    if (redacted === undefined || !moveTo(fresh, redacted)) drop()
  }
  client.on('replica', onReplica)
  client.on('error', onError)
  const onAck = (): void => {
    if (flushAfterAck(flushLimits, buffer.length, client.unsyncedChanges)) flush()
  }
  client.on('unsynced', onAck)

  /** Writes `text` to the reply's last part of `partType`, in updates that fit `maxUpdateBytes`. */
  const writeText = (text: string, partType: PartKind): void => {
    if (text === '') return
    for (const piece of splitTextByBytes(text, client.limits.maxUpdateBytes - TEXT_WRITE_OVERHEAD_BYTES)) {
      doc.transact(() => {
        appendText(reply, piece, partType)
      })
      sent[partType] += piece
    }
  }

  /**
   * Writes the buffer; unless `whole` (the part or the reply ends), it keeps the announced policy hold-back
   * (PROTOCOL.md §8.8) for the next write.
   */
  const flush = (whole = false): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (buffer === '') return
    const holdBack = client.policyHoldBackChars
    const cut = whole || holdBack === 0 ? buffer.length : policySendableLength(buffer, false, holdBack)
    const text = buffer.slice(0, cut)
    buffer = buffer.slice(cut)
    if (text !== '') writeText(text, bufferType)
  }

  const assertOpen = (): void => {
    if (dropped !== undefined) throw dropped
    if (ended) throw new SessionError('REPLY_CLOSED', `reply ${id} has ended`, { details: { messageId: id } })
  }

  const bufferDelta = (token: string, partType: 'text' | 'reasoning'): void => {
    assertOpen()
    span.firstToken()
    if (partType !== bufferType) {
      flush(true)
      bufferType = partType
    }
    buffer += token
    if (flushAfterToken(flushLimits, buffer.length, client.unsyncedChanges) === 'now') flush()
    else timer ??= setTimeout(flush, coalesceMs)
  }

  const append = (token: string): void => {
    bufferDelta(token, 'text')
  }

  const appendPart = (part: ReplyPart): void => {
    if (part.type === 'text-delta' || part.type === 'reasoning-delta') {
      bufferDelta(part.text, part.type === 'text-delta' ? 'text' : 'reasoning')
      return
    }
    assertOpen()
    span.firstToken()
    const write = (message: Y.Map<unknown>): void => {
      if (part.type === 'tool-call') appendToolCall(message, part)
      else appendToolResult(message, part)
    }
    checkUpdateSize(
      (scratch) => {
        write(appendMessage(scratch, { id, role: 'assistant', author: init.agentId, status: 'streaming' }))
      },
      client.limits.maxUpdateBytes,
      part.type,
    )
    flush(true)
    doc.transact(() => {
      write(reply)
    })
  }

  const waitForCapacity = (): Promise<void> =>
    waitForCondition(
      (listener) => {
        client.on('unsynced', listener)
        return () => client.off('unsynced', listener)
      },
      () => client.unsyncedChanges <= maxInFlight,
      ackTimeoutMs,
      `reply ${id} to drain below ${maxInFlight} unacknowledged updates`,
    )

  /** Marks the reply and its run final in the writer's document. */
  const finish = (state: ReplyEnd): void => {
    doc.transact(() => {
      setMessageStatus(reply, state)
      endRun(doc, runId, state, Date.now())
    })
  }

  const end = async (state: ReplyEnd = 'done'): Promise<void> => {
    if (dropped !== undefined) throw dropped
    if (ended) return
    flush(true)
    stopWriting()
    endedWith = state
    finish(state)
    span.ended(state)
    init.onEnd?.(state)
    if (options.localFirst === true) {
      client.off('replica', onReplica)
      span.finish()
      return
    }
    try {
      // A redaction that moved the writer to a fresh document during the wait wrote the end there again: wait for it.
      for (let waited = -1; waited !== moves && dropped === undefined; ) {
        waited = moves
        await client.waitUntilDurable(ackTimeoutMs)
      }
    } finally {
      client.off('replica', onReplica)
      client.off('error', onError)
      span.finish()
    }
    // Dropped while waiting: the end was written to the document the client gave up.
    if (dropped !== undefined) throw dropped
  }

  /** The loop behind `pipe` and `pipeParts`: writes every item of `source` with `write`, then ends the reply. */
  const drain = async <T>(
    source: AsyncIterable<T>,
    write: (item: T) => void,
    signal: AbortSignal | undefined,
  ): Promise<ReplyEnd> => {
    const stopped = (): boolean => controller.signal.aborted || signal?.aborted === true
    signal?.addEventListener(
      'abort',
      () => {
        controller.abort()
      },
      { once: true },
    )
    const iterator = source[Symbol.asyncIterator]()
    const nextItem = abortableNext(iterator, controller.signal)
    try {
      while (!stopped()) {
        const next = await nextItem()
        if (next === undefined || next.done === true) break
        write(next.value)
        if (timer === undefined && client.unsyncedChanges > maxInFlight) await waitForCapacity()
        if (timer === undefined) await yieldToEventLoop()
      }
      if (stopped()) void iterator.return?.().catch(() => undefined) // reason: a stopped source may fail while closing
    } catch (error) {
      if (!stopped()) {
        void iterator.return?.().catch(() => undefined) // reason: close a source that did not fail itself (`write` threw)
        await end('failed')
        throw error
      }
    }
    const state: ReplyEnd = stopped() ? 'stopped' : 'done'
    await end(state)
    return state
  }

  const abandon = (reason: string): void => {
    if (ended || dropped !== undefined) return
    flush(true)
    closeWith(
      new SessionError('REPLY_CLOSED', `reply ${id} was abandoned: ${reason}`, {
        details: { messageId: id, abandoned: reason },
      }),
    )
    span.ended('abandoned', reason)
    span.finish()
  }

  return {
    id,
    runId,
    abandon,
    append,
    appendPart,
    flush: () => flush(),
    signal: controller.signal,
    abort() {
      controller.abort()
    },
    steered: span.steered,
    pipe: (tokens, { signal } = {}) => drain(tokens, append, signal),
    pipeParts: (parts, { signal } = {}) => drain(parts, appendPart, signal),
    end,
  }
}

/** The kinds of text part a writer streams into. */
type PartKind = 'text' | 'reasoning'

/** The text and the reasoning of `message`, each its parts of that type joined. */
function writtenTexts(message: Y.Map<unknown>): Record<PartKind, string> {
  const { text, parts } = readMessage(message)
  let reasoning = ''
  for (const part of parts) if (part.type === 'reasoning') reasoning += part.text
  return { text, reasoning }
}

/**
 * `iterator.next()` that resolves undefined as soon as `signal` aborts, so a stop ends the reply even while the
 * token source is silent. One abort listener serves every call.
 */
function abortableNext<T>(
  iterator: AsyncIterator<T>,
  signal: AbortSignal,
): () => Promise<IteratorResult<T> | undefined> {
  let settleOnAbort: (() => void) | undefined
  signal.addEventListener('abort', () => settleOnAbort?.(), { once: true })
  return () =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return resolve(undefined)
      settleOnAbort = () => resolve(undefined)
      iterator.next().then(resolve, reject)
    })
}

// A flood of synchronous tokens would otherwise starve socket I/O (acks) between size-triggered writes.
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, 0)
  })
}
