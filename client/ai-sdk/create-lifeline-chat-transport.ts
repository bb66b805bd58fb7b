/**
 * createLifelineChatTransport: a `ChatTransport` for the AI SDK's `useChat` backed by a Lifeline session. Sending
 * writes the user message into the session, where the session's agent answers it; the returned stream follows that
 * reply in the session document, not an HTTP response, so:
 * - a refresh mid-stream resumes (`useChat({ resume: true })`): `reconnectToStream` replays the reply being written
 *   from its start (`resumeStreamIsReplay`), and the chat replaces its copy of that message instead of adding one;
 * - every device shows the same chat: `follow(chat)` keeps a `useChat` instance in step with the session, and joins
 *   a reply another device asked for while it streams;
 * - `stop()` stops the agent from any device: aborting a followed reply posts a stop steer for it (PROTOCOL.md §5).
 *
 *   const transport = useMemo(() => createLifelineChatTransport({ client }), [client])
 *   const chat = useChat({ id: client.sessionId, transport, resume: true })
 *   useEffect(() => transport.follow(chat), [transport, chat.setMessages, chat.resumeStream])
 */
import type { ChatTransport, UIMessage, UIMessageChunk } from 'ai'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import type { SessionClient } from '../core/session-client.ts'
import { createReplyChunker } from './reply-chunker.ts'
import { toUIMessages } from './to-ui-messages.ts'

/** Options of {@link createLifelineChatTransport}. */
export interface LifelineChatTransportOptions {
  /** The session client of the chat (from `useSession`, `createBrowserSessionClient` or `createSessionClient`). */
  readonly client: SessionClient
  /**
   * Post a stop steer when `useChat` aborts a reply it follows (default true). `useChat` aborts on `stop()` and when
   * its component unmounts mid-reply; with false, aborting only stops following and the agent keeps writing.
   */
  readonly stopAgentOnAbort?: boolean
  /** Time allowed for the first sync before `reconnectToStream` gives up, in ms (default 10000). */
  readonly syncTimeoutMs?: number
}

/** What `follow` needs of a `useChat` result (`setMessages`) or of an AI SDK `Chat` (its `messages` setter). */
export type FollowedChat = { resumeStream(): Promise<void> } & (
  | { setMessages(messages: UIMessage[]): void }
  | { messages: UIMessage[] }
)

/** The transport, plus what keeps a chat in step with the session. */
export interface LifelineChatTransport extends ChatTransport<UIMessage> {
  /** Always true: a reconnect replays the reply from its start. */
  readonly resumeStreamIsReplay: true
  /** The session's messages as UI messages (for `useChat({ messages })`). */
  messages(): UIMessage[]
  /**
   * Keeps `chat` showing the session while no reply of its own streams: messages from other devices are set as they
   * arrive, and a reply that starts streaming is joined with `resumeStream()`. Returns the function that stops it.
   */
  follow(chat: FollowedChat): () => void
}

const DEFAULT_SYNC_TIMEOUT_MS = 10_000

/** A chat transport over `options.client`. */
export function createLifelineChatTransport(options: LifelineChatTransportOptions): LifelineChatTransport {
  const { client } = options
  const stopAgentOnAbort = options.stopAgentOnAbort ?? true
  /** Streams handed to the chat and not finished yet. */
  let live = 0
  /** A reconnect in progress: `follow` leaves the resume to it. */
  let reconnecting = 0
  /** Replies this device stopped, or is about to: never joined again. */
  const stopped = new Set<string>()
  /**
   * Stops decided on an abort, posted one task later. `useChat` also aborts a request it replaces at once with a new
   * resume — a StrictMode remount, a second `resumeStream()` — and then calls `reconnectToStream` in the same task:
   * that call cancels them, so only a stop that nothing replaced reaches the agent.
   */
  const pendingStops = new Map<string, ReturnType<typeof setTimeout>>()
  const cancelPendingStops = (): void => {
    for (const [replyId, timer] of pendingStops) {
      clearTimeout(timer)
      stopped.delete(replyId)
    }
    pendingStops.clear()
  }

  /** A stream of the reply answering `questionId`, or of the reply `replyId`, as the session writes it. */
  const followReply = (target: { replyTo: string } | { replyId: string }, signal: AbortSignal | undefined) => {
    const chunker = createReplyChunker()
    let replyId = 'replyId' in target ? target.replyId : undefined
    let detach = (): void => undefined
    const find = (): MessageView | undefined =>
      client
        .messages()
        .find((message) =>
          replyId !== undefined
            ? message.id === replyId
            : message.role === 'assistant' && 'replyTo' in target && message.replyTo === target.replyTo,
        )
    live++
    let ended = false
    const end = (): void => {
      if (ended) return
      ended = true
      live--
      detach()
    }
    const onAbort = (): void => {
      if (ended) return
      end()
      const reply = find()
      if (!stopAgentOnAbort || reply?.status !== 'streaming' || pendingStops.has(reply.id)) return
      stopped.add(reply.id)
      pendingStops.set(
        reply.id,
        setTimeout(() => {
          pendingStops.delete(reply.id)
          client.steer({ kind: 'stop', target: reply.id })
        }, 0),
      )
    }
    return new ReadableStream<UIMessageChunk>({
      start(controller) {
        const update = (): void => {
          if (ended) return
          const reply = find()
          if (reply === undefined) return
          replyId = reply.id
          for (const chunk of chunker.next(reply)) controller.enqueue(chunk)
          if (!chunker.finished) return
          end()
          controller.close()
        }
        /** A destroyed or failed client writes nothing more: the stream ends with the reason. */
        const onStatus = (status: string): void => {
          if (ended || (status !== 'closed' && status !== 'failed')) return
          end()
          controller.error(new SessionError('CONNECTION_CLOSED', `the session client is ${status}`))
        }
        client.on('change', update)
        client.on('status', onStatus)
        detach = () => {
          client.off('change', update)
          client.off('status', onStatus)
          signal?.removeEventListener('abort', onAbort)
        }
        if (signal?.aborted === true) {
          // A request aborted before its stream existed was replaced, not stopped: end quietly.
          end()
          controller.close()
          return
        }
        signal?.addEventListener('abort', onAbort)
        update()
      },
      cancel() {
        end()
      },
    })
  }

  const latestStreamingReply = (): MessageView | undefined =>
    client
      .messages()
      .findLast((message) => message.role === 'assistant' && message.status === 'streaming' && !stopped.has(message.id))

  return {
    resumeStreamIsReplay: true,
    messages: () => toUIMessages(client.messages()),
    async sendMessages({ trigger, messages, abortSignal }) {
      if (trigger === 'regenerate-message')
        throw new SessionError('BAD_REQUEST', 'a Lifeline session is append-only: send the question again instead')
      const question = messages.findLast((message) => message.role === 'user')
      const text = (question?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('')
      cancelPendingStops()
      const questionId = client.sendMessage(text)
      return followReply({ replyTo: questionId }, abortSignal)
    },
    async reconnectToStream({ abortSignal }) {
      cancelPendingStops()
      reconnecting++
      try {
        await client.waitForSynced(options.syncTimeoutMs ?? DEFAULT_SYNC_TIMEOUT_MS)
      } catch {
        return null // reason: offline or failed: nothing to resume now; `follow` joins the reply once synced
      } finally {
        reconnecting--
      }
      if (abortSignal?.aborted === true) return null
      const reply = latestStreamingReply()
      return reply === undefined ? null : followReply({ replyId: reply.id }, abortSignal)
    },
    follow(chat) {
      let shown = ''
      const sync = (): void => {
        if (live > 0 || reconnecting > 0) return
        const messages = client.messages()
        const signature = messages.map((message) => `${message.id}:${message.status}:${message.text.length}`).join()
        if (signature !== shown) {
          shown = signature
          const shownMessages = toUIMessages(messages)
          if ('setMessages' in chat) chat.setMessages(shownMessages)
          else chat.messages = shownMessages
        }
        if (latestStreamingReply() !== undefined) void chat.resumeStream()
      }
      client.on('change', sync)
      sync()
      return () => {
        client.off('change', sync)
      }
    },
  }
}
