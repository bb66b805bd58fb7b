/**
 * pipeUIMessageStream: the agent-side half of the AI SDK integration. It writes `streamText(...).toUIMessageStream()`
 * into a session reply, with reasoning, tool calls and tool results as typed parts, which the Lifeline chat transport
 * turns back into `useChat` messages on every device. For `streamText(...).fullStream`, use `fromAiSdkStream` with
 * `reply.pipeParts` (both from `lifeline/agent`).
 *
 *   const reply = agent.startReply({ replyTo: message.id })
 *   const result = streamText({ model, prompt: message.text, tools, abortSignal: reply.signal })
 *   await pipeUIMessageStream(reply, result.toUIMessageStream())
 */
import type { UIMessageChunk } from 'ai'
import { fromAiSdkUiMessageStream } from '../agent/adapters/from-ai-sdk-ui-message-stream.ts'
import type { ReplyEnd, ReplyWriter } from '../agent/reply-writer.ts'

/**
 * Pipes `stream` into `reply` and resolves with how the reply ended (`done`, or `stopped` when a stop steer aborted
 * `reply.signal`). @throws the stream's error after ending the reply `failed` (text so far kept)
 */
export function pipeUIMessageStream(
  reply: Pick<ReplyWriter, 'pipeParts'>,
  stream: AsyncIterable<UIMessageChunk>,
): Promise<ReplyEnd> {
  return reply.pipeParts(fromAiSdkUiMessageStream(stream))
}
