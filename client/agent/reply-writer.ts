/**
 * ReplyWriter: one assistant reply being streamed into a session. Tokens are coalesced — buffered and written
 * as one Yjs transaction every `coalesceMs` or `maxBufferChars` — so a token flood becomes a few updates per
 * second instead of thousands (stock Hocuspocus stalls under per-token floods, DESIGN.md). While streaming, the
 * writer keeps at most `maxInFlight` unacknowledged updates outstanding (flow control) and refreshes the run's
 * heartbeat.
 */
import * as Y from 'yjs'
import { SessionError } from '../../shared/errors/session-error.ts'
import { appendMessage, appendText, endRun, getSessionRoots, setMessageStatus, startRun } from '../../shared/session/session-doc.ts'
import { createRandomId } from '../../shared/session/session-id.ts'
import type { SessionClient } from '../core/session-client.ts'
import { waitForCondition } from '../core/wait-for-condition.ts'

/** Final states a reply can end in. */
export type ReplyEnd = 'done' | 'stopped' | 'failed'

/** Tuning of token coalescing and flow control. */
export interface ReplyWriterOptions {
  /** Longest a token waits in the buffer, in ms (default 30). */
  readonly coalesceMs?: number
  /** Buffer size that forces a write, in characters (default 2048). */
  readonly maxBufferChars?: number
  /** Unacknowledged updates allowed before `pipe` waits for the server (default 32). */
  readonly maxInFlight?: number
  /** Interval of run heartbeats, in ms (default 5000). */
  readonly heartbeatMs?: number
  /** Longest `end`/`pipe` wait for acknowledgement, in ms (default 30000). */
  readonly ackTimeoutMs?: number
}

/** A streaming reply. */
export interface ReplyWriter {
  /** Message id of the reply. */
  readonly id: string
  readonly runId: string
  /** Buffers a token; it reaches the document within `coalesceMs`. @throws SessionError REPLY_CLOSED after end */
  append (token: string): void
  /** Writes buffered tokens now. */
  flush (): void
  /**
   * Appends every token of `tokens`, then ends the reply `done`, or `stopped` when `signal` aborts. If the
   * iterable throws, the reply ends `failed` (partial text kept) and the error is rethrown.
   */
  pipe (tokens: AsyncIterable<string>, options?: { signal?: AbortSignal }): Promise<ReplyEnd>
  /** Flushes, marks the reply and its run final, and resolves once that is durable on the server. */
  end (state?: ReplyEnd): Promise<void>
}

/** How a writer starts: a new reply (optionally answering `replyTo`), or more text for an existing reply. */
export type ReplyStart =
  | { readonly agentId: string, readonly replyTo?: string }
  | { readonly agentId: string, readonly resume: Y.Map<unknown> }

/** Opens a reply message (status `streaming`) and its run in one transaction, or reopens `resume` with a new run. */
export function createReplyWriter (client: SessionClient, init: ReplyStart, options: ReplyWriterOptions = {}): ReplyWriter {
  const coalesceMs = options.coalesceMs ?? 30
  const maxBufferChars = options.maxBufferChars ?? 2048
  const maxInFlight = options.maxInFlight ?? 32
  const ackTimeoutMs = options.ackTimeoutMs ?? 30_000
  const { doc } = client
  const id = 'resume' in init ? String(init.resume.get('id')) : `m_${createRandomId()}`
  const runId = `r_${createRandomId()}`
  const reply = doc.transact(() => {
    const startedAt = Date.now()
    startRun(doc, { id: runId, agent: init.agentId, messageId: id, startedAt })
    if (!('resume' in init)) {
      return appendMessage(doc, {
        id, role: 'assistant', author: init.agentId, status: 'streaming', runId, createdAt: startedAt,
        ...(init.replyTo === undefined ? {} : { replyTo: init.replyTo }),
      })
    }
    init.resume.set('runId', runId)
    setMessageStatus(init.resume, 'streaming')
    return init.resume
  })
  let buffer = ''
  let timer: ReturnType<typeof setTimeout> | undefined
  let ended = false
  const heartbeat = setInterval(() => {
    getSessionRoots(doc).runs.get(runId)?.set('heartbeatAt', Date.now())
  }, options.heartbeatMs ?? 5_000)

  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (buffer === '') return
    const text = buffer
    buffer = ''
    doc.transact(() => { appendText(reply, text) })
  }

  const append = (token: string): void => {
    if (ended) throw new SessionError('REPLY_CLOSED', `reply ${id} has ended`, { details: { messageId: id } })
    buffer += token
    if (buffer.length >= maxBufferChars) flush()
    else timer ??= setTimeout(flush, coalesceMs)
  }

  const waitForCapacity = (): Promise<void> => waitForCondition(
    (listener) => { client.on('unsynced', listener); return () => client.off('unsynced', listener) },
    () => client.unsyncedChanges <= maxInFlight, ackTimeoutMs, `reply ${id} to drain below ${maxInFlight} unacknowledged updates`)

  const end = async (state: ReplyEnd = 'done'): Promise<void> => {
    if (ended) return
    flush()
    ended = true
    clearInterval(heartbeat)
    doc.transact(() => {
      setMessageStatus(reply, state)
      endRun(doc, runId, state, Date.now())
    })
    await client.waitUntilDurable(ackTimeoutMs)
  }

  return {
    id,
    runId,
    append,
    flush,
    async pipe (tokens, { signal } = {}) {
      try {
        for await (const token of tokens) {
          if (signal?.aborted === true) break
          append(token)
          if (timer === undefined && client.unsyncedChanges > maxInFlight) await waitForCapacity()
          if (timer === undefined) await yieldToEventLoop()
        }
      } catch (error) {
        await end('failed')
        throw error
      }
      const state: ReplyEnd = signal?.aborted === true ? 'stopped' : 'done'
      await end(state)
      return state
    },
    end,
  }
}

// A flood of synchronous tokens would otherwise starve socket I/O (acks) between size-triggered writes.
function yieldToEventLoop (): Promise<void> {
  return new Promise((resolve) => { setTimeout(resolve, 0) })
}
