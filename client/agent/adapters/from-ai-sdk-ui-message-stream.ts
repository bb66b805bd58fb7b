/**
 * fromAiSdkUiMessageStream: the Vercel AI SDK's UI message stream (`result.toUIMessageStream()`, or the parsed
 * `data:` events of `toUIMessageStreamResponse()`) as ReplyParts, for an agent that already produces that stream.
 *
 *   await reply.pipeParts(fromAiSdkUiMessageStream(result.toUIMessageStream()))
 */
import type { ReplyPart } from '../reply-part.ts'
import { streamAbortedError, toStreamError } from './stream-error.ts'

/** What this adapter needs of a chunk: every `UIMessageChunk` of AI SDK 7 (`ai` 7.x) fits. */
export interface AiSdkUiMessageChunk {
  readonly type: string
}

/**
 * Maps `text-delta` and `reasoning-delta` (`delta`), `tool-input-available` and `tool-input-error` (`input`),
 * `tool-output-available` (`output`), `tool-output-error` (`errorText`) and `tool-output-denied` to ReplyParts, with
 * the same decisions as fromAiSdkStream: tool errors become `{ error: message }` outputs, preliminary outputs are
 * skipped, a raw-string input of `tool-input-error` gets `inputError: 'INVALID_JSON'`, lifecycle chunks are skipped.
 * @throws Error with the chunk's `errorText` on an `error` chunk; an AbortError on an `abort` chunk
 */
export async function* fromAiSdkUiMessageStream(stream: AsyncIterable<AiSdkUiMessageChunk>): AsyncGenerator<ReplyPart> {
  for await (const chunk of stream) {
    const fields = chunk as unknown as Readonly<Record<string, unknown>>
    const toolCallId = typeof fields.toolCallId === 'string' ? fields.toolCallId : ''
    switch (chunk.type) {
      case 'text-delta':
      case 'reasoning-delta': {
        const text = typeof fields.delta === 'string' ? fields.delta : ''
        if (text !== '') yield { type: chunk.type === 'text-delta' ? 'text-delta' : 'reasoning-delta', text }
        break
      }
      case 'tool-input-available':
      case 'tool-input-error':
        yield {
          type: 'tool-call',
          toolCallId,
          toolName: typeof fields.toolName === 'string' ? fields.toolName : '',
          input: fields.input,
          ...(chunk.type === 'tool-input-error' && typeof fields.input === 'string'
            ? { inputError: 'INVALID_JSON' as const }
            : {}),
        }
        break
      case 'tool-output-available':
        if (fields.preliminary !== true) yield { type: 'tool-result', toolCallId, output: fields.output }
        break
      case 'tool-output-error':
        yield { type: 'tool-result', toolCallId, output: { error: String(fields.errorText ?? '') } }
        break
      case 'tool-output-denied':
        yield { type: 'tool-result', toolCallId, output: { error: 'tool execution denied' } }
        break
      case 'error':
        throw toStreamError(fields.errorText, 'AI SDK UI message stream error')
      case 'abort':
        throw streamAbortedError('AI SDK UI message stream', fields.reason)
    }
  }
}
