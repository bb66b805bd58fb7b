/**
 * fromOpenAiChatStream: the OpenAI SDK's streamed chat completion (`client.chat.completions.create({ stream: true })`,
 * or any OpenAI-compatible server's chunks) as ReplyParts. Tool-call deltas are accumulated and written as one
 * typed `tool-call` part per call; reasoning deltas of compatible servers become `reasoning` parts.
 *
 *   const stream = await openai.chat.completions.create({ model, messages, tools, stream: true }, { signal: reply.signal })
 *   await reply.pipeParts(fromOpenAiChatStream(stream))
 */
import { createRandomId } from '../../../shared/session/session-id.ts'
import type { ReplyPart } from '../reply-part.ts'
import { parseToolArguments } from './parse-tool-arguments.ts'

/** What this adapter reads of a `ChatCompletionChunk`; the OpenAI SDK's type fits. */
export interface OpenAiChatChunk {
  readonly choices: ReadonlyArray<{
    readonly index?: number
    readonly delta?: OpenAiChatDelta | null
    readonly finish_reason?: string | null
  }>
}

/** A chunk's `choices[].delta`: `reasoning_content` (DeepSeek, vLLM) and `reasoning` (OpenRouter, vLLM) are extensions. */
export interface OpenAiChatDelta {
  readonly content?: string | null
  readonly refusal?: string | null
  readonly reasoning_content?: string | null
  readonly reasoning?: string | null
  readonly tool_calls?: ReadonlyArray<{
    readonly index: number
    readonly id?: string
    readonly type?: string
    readonly function?: { readonly name?: string; readonly arguments?: string }
    readonly custom?: { readonly name?: string; readonly input?: string }
  }>
}

/**
 * Maps the chunks of choice 0 (other choices of an `n > 1` request are ignored) to ReplyParts, in order:
 * `delta.reasoning_content` (or `delta.reasoning`) → reasoning delta; `delta.content` and `delta.refusal` → text
 * delta; `delta.tool_calls` are accumulated per `index` and emitted as `tool-call` parts, in index order, when the
 * choice's `finish_reason` arrives (or the stream ends without one). A function call's `input` is its parsed
 * `arguments`; arguments that are not JSON are kept verbatim with `inputError: 'INVALID_JSON'` (the reply does not
 * fail); a custom tool's free-form `input` string is kept as is. A call without an `id` gets a generated one.
 * Chunks without choices (usage, content-filter results) are skipped. Errors the SDK throws pass through.
 */
export async function* fromOpenAiChatStream(stream: AsyncIterable<OpenAiChatChunk>): AsyncGenerator<ReplyPart> {
  let pending: PendingToolCall[] = []
  for await (const chunk of stream) {
    const choice = chunk.choices.find((candidate) => (candidate.index ?? 0) === 0)
    if (choice === undefined) continue
    const delta = choice.delta ?? {}
    const reasoning = delta.reasoning_content ?? delta.reasoning
    if (typeof reasoning === 'string' && reasoning !== '') yield { type: 'reasoning-delta', text: reasoning }
    for (const text of [delta.content, delta.refusal]) {
      if (typeof text === 'string' && text !== '') yield { type: 'text-delta', text }
    }
    for (const call of delta.tool_calls ?? []) accumulate(pending, call)
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) {
      yield* toToolCallParts(pending)
      pending = []
    }
  }
  yield* toToolCallParts(pending)
}

interface PendingToolCall {
  readonly index: number
  id: string
  name: string
  argumentsText: string
  custom: boolean
}

function accumulate(pending: PendingToolCall[], delta: NonNullable<OpenAiChatDelta['tool_calls']>[number]): void {
  let call = pending.findLast((candidate) => candidate.index === delta.index)
  // Some compatible servers send each complete call under the same index; a new id then means a new call.
  if (call === undefined || (delta.id !== undefined && delta.id !== '' && call.id !== '' && delta.id !== call.id)) {
    call = { index: delta.index, id: '', name: '', argumentsText: '', custom: false }
    pending.push(call)
  }
  if (delta.id !== undefined && delta.id !== '') call.id = delta.id
  if (delta.type === 'custom' || delta.custom !== undefined) call.custom = true
  const name = delta.function?.name ?? delta.custom?.name
  if (name !== undefined && name !== '') call.name = name
  call.argumentsText += delta.function?.arguments ?? delta.custom?.input ?? ''
}

function toToolCallParts(pending: readonly PendingToolCall[]): ReplyPart[] {
  return [...pending]
    .sort((a, b) => a.index - b.index)
    .map((call) => ({
      type: 'tool-call',
      toolCallId: call.id === '' ? `call_${createRandomId()}` : call.id,
      toolName: call.name,
      ...(call.custom ? { input: call.argumentsText } : parseToolArguments(call.argumentsText)),
    }))
}
