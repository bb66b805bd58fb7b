/**
 * fromOpenAiResponsesStream: the OpenAI SDK's streamed Responses API (`client.responses.create({ stream: true })`)
 * as ReplyParts: output text, reasoning (summaries, or full reasoning text where a model streams it) and function
 * calls as typed parts.
 *
 *   const stream = await openai.responses.create({ model, input, tools, stream: true }, { signal: reply.signal })
 *   await reply.pipeParts(fromOpenAiResponsesStream(stream))
 */
import type { ReplyPart } from '../reply-part.ts'
import { parseToolArguments } from './parse-tool-arguments.ts'
import { toStreamError } from './stream-error.ts'

/** What this adapter needs of an event: every `ResponseStreamEvent` of the OpenAI SDK fits. */
export interface OpenAiResponsesEvent {
  readonly type: string
}

/**
 * Maps `response.output_text.delta` and `response.refusal.delta` → text delta; `response.reasoning_summary_text.delta`
 * (summary parts of one reasoning item joined by a blank line) and `response.reasoning_text.delta` → reasoning delta;
 * `response.output_item.done` with a `function_call` item → `tool-call` (`call_id`, `name`, parsed `arguments`, kept
 * verbatim with `inputError: 'INVALID_JSON'` when not JSON) or a `custom_tool_call` item → `tool-call` with its raw
 * `input`. Other events (lifecycle, argument deltas, built-in tool progress) are skipped.
 * @throws Error on an `error` event or a `response.failed` event, with the API's message and the event as `cause`
 */
export async function* fromOpenAiResponsesStream(
  stream: AsyncIterable<OpenAiResponsesEvent>,
): AsyncGenerator<ReplyPart> {
  let summary: { itemId: unknown; index: unknown } | undefined
  for await (const event of stream) {
    const fields = event as unknown as Readonly<Record<string, unknown>>
    const delta = typeof fields.delta === 'string' ? fields.delta : ''
    switch (event.type) {
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        if (delta !== '') yield { type: 'text-delta', text: delta }
        break
      case 'response.reasoning_summary_text.delta': {
        const nextPart =
          summary !== undefined && summary.itemId === fields.item_id && summary.index !== fields.summary_index
        summary = { itemId: fields.item_id, index: fields.summary_index }
        if (delta !== '') yield { type: 'reasoning-delta', text: nextPart ? `\n\n${delta}` : delta }
        break
      }
      case 'response.reasoning_text.delta':
        if (delta !== '') yield { type: 'reasoning-delta', text: delta }
        break
      case 'response.output_item.done': {
        const part = toToolCallPart(fields.item)
        if (part !== undefined) yield part
        break
      }
      case 'error':
        throw toStreamError(fields, 'OpenAI Responses stream error')
      case 'response.failed': {
        const error = (fields.response as { error?: { message?: unknown } | null } | undefined)?.error
        throw new Error(
          `OpenAI response failed: ${typeof error?.message === 'string' ? error.message : 'no error message'}`,
          { cause: event },
        )
      }
    }
  }
}

function toToolCallPart(item: unknown): ReplyPart | undefined {
  if (typeof item !== 'object' || item === null) return undefined
  const { type, call_id: callId, name } = item as Readonly<Record<string, unknown>>
  if (typeof callId !== 'string' || typeof name !== 'string') return undefined
  const { arguments: argumentsText, input } = item as Readonly<Record<string, unknown>>
  if (type === 'function_call')
    return { type: 'tool-call', toolCallId: callId, toolName: name, ...parseToolArguments(String(argumentsText ?? '')) }
  if (type === 'custom_tool_call')
    return { type: 'tool-call', toolCallId: callId, toolName: name, input: String(input ?? '') }
  return undefined
}
