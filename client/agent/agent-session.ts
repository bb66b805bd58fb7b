/**
 * createAgentSession: the Node agent SDK. It joins a session as an agent, hands each user message that has no
 * reply yet to `onUserMessage` exactly once per process (a restarted agent skips messages it already
 * answered), and opens replies that stream tokens from any AsyncIterable. When the client drops a refused update by
 * replacing its document, message and steer handlers follow the new one and replies being written fail.
 *
 *   const agent = await createAgentSession({ url, sessionId, agentId: 'writer' })
 *   agent.onUserMessage(async (message) => {
 *     await agent.startReply({ replyTo: message.id }).pipe(llm.stream(message.text))
 *   })
 */
import { NodeWebSocket } from './node-websocket.ts'
import type * as Y from 'yjs'
import { decodeTokenClaims } from '../../shared/auth/token-claims.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { WriteLimits } from '../../shared/limits/session-limits.ts'
import { checkPresenceMs, DEFAULT_USER_LEFT_GRACE_MS } from '../../shared/presence/presence-timing.ts'
import { isMessageEntry } from '../../shared/session/check-entry.ts'
import { findMessage, getSessionRoots, listMessages, readMessage } from '../../shared/session/session-doc.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import {
  createSessionClient,
  DEFAULT_WAIT_TIMEOUT_MS,
  type SessionClient,
  type TokenProvider,
} from '../core/session-client.ts'
import { insertedItems } from './inserted-items.ts'
import {
  createReplyWriter,
  type ReplyStart,
  type ReplyWriter,
  type ReplyWriterOptions,
  type SteerableReplyWriter,
} from './reply-writer.ts'
import { createSteerDispatcher, type SteerHandler } from './steer-dispatcher.ts'
import { watchUserPresence, type UserPresenceHandler } from './user-presence.ts'

/** Options of {@link createAgentSession}. */
export interface AgentSessionOptions extends ReplyWriterOptions {
  /** WebSocket URL of the server, e.g. `ws://127.0.0.1:8787/v1/ws`. */
  readonly url: string
  readonly sessionId: string
  /** Principal id of the agent; stored as `author` of its replies and `agent` of its runs. */
  readonly agentId: string
  /** Bearer token, or a function returning a fresh one before each expiry and on reconnect (see SessionClientOptions). */
  readonly token?: string | TokenProvider
  /** Longest wait for the first sync, in ms (default 10000). */
  readonly syncTimeoutMs?: number
  /** Wait before the first reconnect attempt, in ms (default 250). */
  readonly reconnectDelayMs?: number
  /** Write limits to respect until the server announces its own (see SessionClientOptions). */
  readonly limits?: Partial<WriteLimits>
  /** How often the agent renews its presence while connected, in ms (default 5000; see SessionClientOptions). */
  readonly presenceHeartbeatMs?: number
  /**
   * Default grace of `onUserPresence`: how long every device of a user must be gone before `user-left`, in ms
   * (default DEFAULT_USER_LEFT_GRACE_MS, 5000). @throws TypeError (from createAgentSession) when not a positive integer
   */
  readonly userLeftGraceMs?: number
}

/** Receives a user message that awaits a reply. A rejected promise is reported to `onError`. */
export type UserMessageHandler = (message: MessageView) => void | Promise<void>

/** An agent attached to one session. */
export interface AgentSession {
  readonly client: SessionClient
  readonly agentId: string
  /**
   * Calls `handler` for every user message without a reply from this agent — those already in the session,
   * then new ones as they arrive — once each. Returns an unsubscribe function.
   */
  onUserMessage(handler: UserMessageHandler, onError?: (error: unknown) => void): () => void
  /**
   * Calls `handler` once for each steer this agent takes: `redirect` (after the targeted reply was stopped),
   * `note`, `approve`, `reject`. `stop` needs no handler: it aborts the reply's `signal`. Returns the remover.
   */
  onSteer(handler: SteerHandler, onError?: (error: unknown) => void): () => void
  /** Opens a streaming reply; a `stop` or `redirect` steer for it (or for all replies) aborts its `signal`. */
  startReply(init?: { replyTo?: string }): ReplyWriter
  /**
   * Reports `user-left` once every device of a user (role `user`, other than this agent) has been gone for `graceMs`
   * (default: the `userLeftGraceMs` option, 5000) and `user-returned` when one comes back. A device is gone when it
   * disconnects, or when it goes silent (a frozen tab, a lost network) past the server's presence timeout (default
   * 15000). Users already present when it is called are watched; it reports changes only. Returns the remover.
   */
  onUserPresence(handler: UserPresenceHandler, graceMs?: number): () => void
  /** This agent's replies that a crash or disconnect left `interrupted`, oldest first. */
  interruptedReplies(): MessageView[]
  /**
   * Continues an interrupted reply of this agent: same message, partial text kept, a new run.
   * @throws SessionError BAD_REQUEST when `messageId` is not an interrupted reply of this agent
   */
  resumeReply(messageId: string): ReplyWriter
  /**
   * Gives up the replies still open (their buffered text written, spans ended `abandoned`, `pipe` and `end` throwing
   * REPLY_CLOSED; the run lease marks them interrupted), waits until everything written is durable, then disconnects.
   * Closing an agent whose client is already closed (closed before, or `client.destroy()`) does nothing.
   */
  close(): Promise<void>
}

/** Connects an agent to a session and resolves once it holds the session's state. */
export async function createAgentSession(options: AgentSessionOptions): Promise<AgentSession> {
  const firstToken = typeof options.token === 'function' ? await options.token() : options.token
  const tokenSubject = firstToken === undefined ? undefined : decodeTokenClaims(firstToken)?.sub
  if (tokenSubject !== undefined && tokenSubject !== options.agentId) {
    // The server rejects writes whose author is not the token's principal (PROTOCOL.md §8.4): fail early instead.
    throw new SessionError(
      'BAD_REQUEST',
      `agentId ${options.agentId} must equal the token's principal ${tokenSubject}`,
      { details: { agentId: options.agentId, sub: tokenSubject } },
    )
  }
  const userLeftGraceMs = checkPresenceMs('userLeftGraceMs', options.userLeftGraceMs ?? DEFAULT_USER_LEFT_GRACE_MS)
  const client = createSessionClient({
    url: options.url,
    sessionId: options.sessionId,
    principalId: options.agentId,
    role: 'agent',
    WebSocket: NodeWebSocket,
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.reconnectDelayMs === undefined ? {} : { reconnectDelayMs: options.reconnectDelayMs }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.presenceHeartbeatMs === undefined ? {} : { presenceHeartbeatMs: options.presenceHeartbeatMs }),
  })
  // A refused token (UNAUTHORIZED, FORBIDDEN, TOKEN_EXPIRED) fails the attach at once instead of timing out.
  let refuse: ((error: SessionError) => void) | undefined
  const refused = new Promise<never>((_resolve, reject) => {
    refuse = reject
  })
  const onError = (error: SessionError): void => {
    if (!error.retryable) refuse?.(error)
  }
  client.on('error', onError)
  try {
    await Promise.race([client.waitForSynced(options.syncTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS), refused])
  } catch (error) {
    client.destroy()
    throw error
  } finally {
    client.off('error', onError)
  }
  let messages = getSessionRoots(client.doc).messages as Y.Array<unknown>
  /** Each onUserMessage subscription: its observer, and a catch-up over every message. */
  const subscriptions = new Set<{
    readonly observer: (event: Y.YArrayEvent<unknown>) => void
    readonly catchUp: () => void
  }>()
  const handled = new Set<string>()
  const writing = new Map<string, SteerableReplyWriter>()
  const steers = createSteerDispatcher({
    doc: client.doc,
    agentId: options.agentId,
    active: writing,
    onError: (error) => console.error(error),
  })
  client.on('replica', (doc) => {
    for (const { observer } of subscriptions) messages.unobserve(observer)
    messages = getSessionRoots(doc).messages as Y.Array<unknown>
    for (const { observer, catchUp } of subscriptions) {
      messages.observe(observer)
      catchUp()
    }
    steers.moveTo(doc)
  })
  /** Gives up the replies still open: their spans end `abandoned`, their runs are left to the run lease. */
  const abandonReplies = (reason: string): void => {
    for (const writer of [...writing.values()]) writer.abandon(reason)
    writing.clear()
  }
  // A client closed, or failed for good (a refused token, a deleted session), writes nothing more.
  client.on('status', (status) => {
    if (status === 'closed' || status === 'failed') abandonReplies(`client ${status}`)
  })
  const track = (start: ReplyStart): ReplyWriter => {
    const writer = createReplyWriter(
      client,
      {
        ...start,
        onEnd: () => {
          writing.delete(writer.id)
        },
      },
      options,
    )
    writing.set(writer.id, writer)
    return writer
  }

  /** The user messages among `candidates` this agent has neither answered nor delivered; quarantined ones are skipped. */
  const pendingUserMessages = (candidates: readonly unknown[]): MessageView[] => {
    const answered = new Set<string>()
    for (const message of listMessages(client.doc)) {
      if (message.get('role') === 'assistant' && message.get('author') === options.agentId) {
        const replyTo = message.get('replyTo')
        if (typeof replyTo === 'string') answered.add(replyTo)
      }
    }
    return candidates
      .filter(isMessageEntry)
      .filter((message) => message.get('role') === 'user')
      .map(readMessage)
      .filter((message) => !answered.has(message.id) && !handled.has(message.id))
  }

  return {
    client,
    agentId: options.agentId,
    onUserMessage(handler, onError = (error) => console.error(error)) {
      const deliver = (pending: MessageView[]): void => {
        for (const message of pending) {
          handled.add(message.id)
          Promise.resolve()
            .then(() => handler(message))
            .catch(onError)
        }
      }
      const subscription = {
        observer: (event: Y.YArrayEvent<unknown>): void => {
          deliver(pendingUserMessages(insertedItems(event)))
        },
        catchUp: (): void => {
          deliver(pendingUserMessages(messages.toArray()))
        },
      }
      subscription.catchUp()
      messages.observe(subscription.observer)
      subscriptions.add(subscription)
      return () => {
        messages.unobserve(subscription.observer)
        subscriptions.delete(subscription)
      }
    },
    onSteer: (handler, onError) => steers.onSteer(handler, onError),
    onUserPresence: (handler, graceMs = userLeftGraceMs) =>
      watchUserPresence(client, handler, checkPresenceMs('graceMs', graceMs)),
    startReply: (init = {}) => track({ agentId: options.agentId, ...init }),
    interruptedReplies: () => client.messages().filter(isInterruptedReplyOf(options.agentId)),
    resumeReply(messageId) {
      const message = findMessage(client.doc, messageId)
      if (message === undefined || !isInterruptedReplyOf(options.agentId)(readMessage(message))) {
        throw new SessionError('BAD_REQUEST', `${messageId} is not an interrupted reply of ${options.agentId}`, {
          details: { messageId },
        })
      }
      return track({ agentId: options.agentId, resume: message })
    },
    async close() {
      if (client.status === 'closed') return
      steers.stop()
      abandonReplies('agent closed')
      try {
        await client.waitUntilDurable(options.ackTimeoutMs ?? 30_000)
      } finally {
        client.destroy()
      }
    },
  }
}

function isInterruptedReplyOf(agentId: string): (message: MessageView) => boolean {
  return (message) => message.role === 'assistant' && message.author === agentId && message.status === 'interrupted'
}
