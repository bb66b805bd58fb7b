/**
 * createOnDeviceAgent: an agent that answers in the person's own page (or Web Worker, with the session client there)
 * by writing into the local replica of their session client — offline too. Its reply is stored with the replica
 * (IndexedDB in a browser) and reaches the server, and every other device, once when the client is connected again.
 * It writes as `<principalId>/on-device` (PROTOCOL.md §8.4); on a server with auth the person's token must grant
 * the `onDeviceAgent` claim, else the server refuses the reply with AGENT_REPLY_FORBIDDEN (the client's `error`
 * event) and the client drops it. Models plug in through the adapters (docs/offline.md § An agent on the device).
 *
 *   const agent = createOnDeviceAgent({ session: client })
 *   agent.answer(questionId, ({ message, signal }) => fromPromptApiStream(model.promptStreaming(message.text, { signal })))
 */
import { onDeviceAgentId } from '../../shared/auth/on-device-agent-id.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { readSteering } from '../../shared/session/session-doc.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import type { SessionClient } from '../core/session-client.ts'
import type { ReplyPart } from '../agent/reply-part.ts'
import { createReplyWriter, type ReplyEnd, type ReplyWriterOptions } from '../agent/reply-writer.ts'

/** Options of {@link createOnDeviceAgent}. */
export interface OnDeviceAgentOptions {
  /** The person's session client (`createBrowserSessionClient`): the agent writes into its replica. */
  readonly session: SessionClient
  /**
   * Stored as `author` of its replies and `agent` of its runs (default `<session.principalId>/on-device`). A server
   * with auth accepts only the default; an open server accepts any.
   */
  readonly agentId?: string
  /** Token batching of the reply writer (./reply-writer.ts); it always writes local-first. */
  readonly writer?: Omit<ReplyWriterOptions, 'localFirst'>
}

/** What a generator gets for one question. */
export interface OnDeviceQuestion {
  /** The user message to answer. */
  readonly message: MessageView
  /** Every message of the session in reading order, the question included: the model's context. */
  readonly transcript: readonly MessageView[]
  /** Aborted when the reply is stopped (`OnDeviceReply.abort`): hand it to the model call. */
  readonly signal: AbortSignal
}

/**
 * Produces the reply: text tokens or typed parts (an adapter's output, such as `fromOpenAiChatStream` for WebLLM or
 * `fromPromptApiStream` for the Prompt API), or any AsyncIterable of strings.
 */
export type OnDeviceGenerator = (
  question: OnDeviceQuestion,
) => AsyncIterable<string | ReplyPart> | Promise<AsyncIterable<string | ReplyPart>>

/** One reply being written. */
export interface OnDeviceReply {
  /** Message id of the reply. */
  readonly id: string
  /**
   * Stops the reply: it ends `stopped` with the text written so far. A `stop` or `redirect` steer for it (or for
   * every reply) posted from any device after it started does the same.
   */
  abort(): void
  /**
   * Resolves with how the reply ended once that is written locally (it syncs later when offline); rejects with the
   * generator's error (the reply ends `failed`, partial text kept), or with REPLY_CLOSED when the client dropped the
   * reply after a refusal while it was being written. A refusal that comes after `ended` resolved (the reply was
   * written offline) shows only as the client's `error` event, and the client drops the reply then.
   */
  readonly ended: Promise<ReplyEnd>
}

/** An agent answering on this device. */
export interface OnDeviceAgent {
  /** Its id: `author` of its replies. */
  readonly id: string
  /** User messages of the session that no reply answers yet (by `replyTo`), oldest first. */
  unanswered(): MessageView[]
  /**
   * Answers user message `messageId`: the reply opens in the local replica at once and takes what `generate` yields.
   * @throws SessionError BAD_REQUEST when the replica holds no user message `messageId`
   */
  answer(messageId: string, generate: OnDeviceGenerator): OnDeviceReply
}

/** Creates the on-device agent of `options.session`. */
export function createOnDeviceAgent(options: OnDeviceAgentOptions): OnDeviceAgent {
  const { session } = options
  const id = options.agentId ?? onDeviceAgentId(session.principalId)
  return {
    id,
    unanswered() {
      const messages = session.messages()
      const answered = new Set(messages.flatMap((message) => (message.replyTo === undefined ? [] : [message.replyTo])))
      return messages.filter((message) => message.role === 'user' && !answered.has(message.id))
    },
    answer(messageId, generate) {
      const transcript = session.messages()
      const message = transcript.find((entry) => entry.id === messageId && entry.role === 'user')
      if (message === undefined)
        throw new SessionError('BAD_REQUEST', `no user message ${messageId} in this session`, {
          details: { messageId },
        })
      const writer = createReplyWriter(
        session,
        { agentId: id, replyTo: messageId },
        { ...options.writer, localFirst: true },
      )
      const stopOnSteer = watchStopSteers(session, writer.id, () => writer.abort())
      const ended = (async () => {
        let parts: AsyncIterable<string | ReplyPart>
        try {
          parts = await generate({ message, transcript, signal: writer.signal })
        } catch (error) {
          await writer.end('failed')
          throw error
        }
        return await writer.pipeParts(asParts(parts))
      })().finally(stopOnSteer)
      return { id: writer.id, abort: () => writer.abort(), ended }
    },
  }
}

/**
 * Calls `stop` once a `stop` or `redirect` steer posted after now targets reply `replyId` (or every reply), from any
 * device: a person stops an on-device reply as they stop a server agent's. A user token may not mark a steer
 * handled (PROTOCOL.md §8.4), so the steer stays unhandled. Returns the unsubscribe function.
 */
function watchStopSteers(session: SessionClient, replyId: string, stop: () => void): () => void {
  const earlier = new Set(readSteering(session.doc).map((steer) => steer.id))
  const onChange = (): void => {
    const stops = readSteering(session.doc).some(
      (steer) =>
        !earlier.has(steer.id) &&
        (steer.kind === 'stop' || steer.kind === 'redirect') &&
        (steer.target === undefined || steer.target === replyId),
    )
    if (!stops) return
    session.off('change', onChange)
    stop()
  }
  session.on('change', onChange)
  return () => session.off('change', onChange)
}

async function* asParts(source: AsyncIterable<string | ReplyPart>): AsyncGenerator<ReplyPart> {
  for await (const item of source) yield typeof item === 'string' ? { type: 'text-delta', text: item } : item
}
