/**
 * fromAiSdkStream: the Vercel AI SDK's `streamText(...).fullStream` as ReplyParts, so a reply stores reasoning, tool
 * calls and tool results as typed message parts instead of flattening them into text.
 *
 *   const reply = agent.startReply({ replyTo: message.id })
 *   const result = streamText({ model, prompt, tools, abortSignal: reply.signal })
 *   await reply.pipeParts(fromAiSdkStream(result.fullStream))
 */
import type { ReplyPart } from '../reply-part.ts'
import { errorMessage, streamAbortedError, toStreamError } from './stream-error.ts'

/** What this adapter needs of a stream part: every `TextStreamPart` of AI SDK 7 (`ai` 7.x) fits. */
export interface AiSdkStreamPart {
  readonly type: string
}

/**
 * Maps the parts `text-delta` and `reasoning-delta` (`text`), `tool-call` (`input`), `tool-result` (`output`) and
 * `tool-error` (`error`) to ReplyParts, in order. Decisions:
 * - a `tool-error` (or `tool-output-denied`) becomes a `tool-result` whose output is `{ error: message }`;
 * - a preliminary tool result (`preliminary: true`, a streaming tool's progress) is skipped, the final one kept;
 * - an invalid tool call whose input is still the raw string (`invalid: true`) gets `inputError: 'INVALID_JSON'`;
 * - lifecycle parts (start, step and finish markers, text/reasoning start and end, tool-input streaming, sources,
 *   files, raw chunks) are skipped.
 * @throws the stream's error (the SDK's own Error when it is one) on an `error` part; an AbortError on an `abort`
 *   part, which the SDK emits when its `abortSignal` fires — pass `reply.signal` so a stop ends the reply `stopped`
 */
export async function* fromAiSdkStream(fullStream: AsyncIterable<AiSdkStreamPart>): AsyncGenerator<ReplyPart> {
  for await (const part of fullStream) {
    const fields = part as unknown as Readonly<Record<string, unknown>>
    switch (part.type) {
      case 'text-delta': {
        const text = stringField(fields, 'text') ?? ''
        if (text !== '') yield { type: 'text-delta', text }
        break
      }
      case 'reasoning-delta': {
        const text = stringField(fields, 'text') ?? ''
        if (text !== '') yield { type: 'reasoning-delta', text }
        break
      }
      case 'tool-call': {
        const input = fields.input
        yield {
          type: 'tool-call',
          toolCallId: idField(fields),
          toolName: stringField(fields, 'toolName') ?? '',
          input,
          ...(fields.invalid === true && typeof input === 'string' ? { inputError: 'INVALID_JSON' as const } : {}),
        }
        break
      }
      case 'tool-result':
        if (fields.preliminary !== true)
          yield {
            type: 'tool-result',
            toolCallId: idField(fields),
            output: fields.output,
          }
        break
      case 'tool-error':
        yield { type: 'tool-result', toolCallId: idField(fields), output: { error: errorMessage(fields.error) } }
        break
      case 'tool-output-denied':
        yield { type: 'tool-result', toolCallId: idField(fields), output: { error: 'tool execution denied' } }
        break
      case 'error':
        throw toStreamError(fields.error, 'AI SDK stream error')
      case 'abort':
        throw streamAbortedError('AI SDK stream', fields.reason)
    }
  }
}

function stringField(fields: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = fields[name]
  return typeof value === 'string' ? value : undefined
}

function idField(fields: Readonly<Record<string, unknown>>): string {
  return stringField(fields, 'toolCallId') ?? ''
}
