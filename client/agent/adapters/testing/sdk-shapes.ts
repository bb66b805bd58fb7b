/**
 * The stream shapes of the LLM SDKs, written out for the adapter tests (the SDKs are not dependencies). Each type
 * lists the fields the SDK's own declaration has, from the source cited on it, so fixtures typed with them are shaped
 * like real output, and passing them to an adapter checks at compile time that the adapter accepts the SDK's type.
 */

type ProviderMetadata = Record<string, Record<string, unknown>>
type AiSdkFinishReason = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other' | 'unknown'
interface AiSdk5Usage {
  inputTokens: number | undefined
  outputTokens: number | undefined
  totalTokens: number | undefined
  reasoningTokens?: number | undefined
  cachedInputTokens?: number | undefined
}

/** `TextStreamPart` of `ai` 5 (vercel/ai packages/ai/src/generate-text/stream-text-result.ts at tag ai@5.0.244). */
export type AiSdk5StreamPart =
  | { type: 'start' }
  | { type: 'start-step'; request: { body?: unknown }; warnings: unknown[] }
  | {
      type: 'text-start' | 'text-end' | 'reasoning-start' | 'reasoning-end'
      id: string
      providerMetadata?: ProviderMetadata
    }
  | { type: 'text-delta' | 'reasoning-delta'; id: string; text: string; providerMetadata?: ProviderMetadata }
  | {
      type: 'tool-input-start'
      id: string
      toolName: string
      providerMetadata?: ProviderMetadata
      providerExecuted?: boolean
      dynamic?: boolean
    }
  | { type: 'tool-input-delta'; id: string; delta: string; providerMetadata?: ProviderMetadata }
  | { type: 'tool-input-end'; id: string; providerMetadata?: ProviderMetadata }
  | {
      type: 'tool-call'
      toolCallId: string
      toolName: string
      input: unknown
      providerExecuted?: boolean
      dynamic?: boolean
      invalid?: boolean
      error?: unknown
      providerMetadata?: ProviderMetadata
    }
  | {
      type: 'tool-result'
      toolCallId: string
      toolName: string
      input: unknown
      output: unknown
      providerExecuted?: boolean
      dynamic?: boolean
      preliminary?: boolean
    }
  | {
      type: 'tool-error'
      toolCallId: string
      toolName: string
      input: unknown
      error: unknown
      providerExecuted?: boolean
      dynamic?: boolean
    }
  | { type: 'source'; sourceType: 'url'; id: string; url: string; title?: string; providerMetadata?: ProviderMetadata }
  | {
      type: 'finish-step'
      response: { id: string; timestamp: Date; modelId: string }
      usage: AiSdk5Usage
      finishReason: AiSdkFinishReason
      providerMetadata: ProviderMetadata | undefined
    }
  | { type: 'finish'; finishReason: AiSdkFinishReason; totalUsage: AiSdk5Usage }
  | { type: 'abort' }
  | { type: 'error'; error: unknown }
  | { type: 'raw'; rawValue: unknown }

/** `TextStreamPart` of `ai` 4 (vercel/ai packages/ai/core/generate-text/stream-text-result.ts at tag ai@4.3.19). */
export type AiSdk4StreamPart =
  | { type: 'step-start'; messageId: string; request: { body?: string }; warnings: unknown[] }
  | { type: 'text-delta'; textDelta: string }
  | { type: 'reasoning'; textDelta: string }
  | { type: 'reasoning-signature'; signature: string }
  | { type: 'tool-call-streaming-start'; toolCallId: string; toolName: string }
  | { type: 'tool-call-delta'; toolCallId: string; toolName: string; argsTextDelta: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; args: unknown }
  | { type: 'tool-result'; toolCallId: string; toolName: string; args: unknown; result: unknown }
  | {
      type: 'step-finish'
      messageId: string
      finishReason: AiSdkFinishReason
      isContinued: boolean
      usage: { promptTokens: number; completionTokens: number; totalTokens: number }
      providerMetadata: ProviderMetadata | undefined
    }
  | {
      type: 'finish'
      finishReason: AiSdkFinishReason
      usage: { promptTokens: number; completionTokens: number; totalTokens: number }
    }
  | { type: 'error'; error: unknown }

/** `UIMessageChunk` of `ai` 5/6 (vercel/ai packages/ai/src/ui-message-stream/ui-message-chunks.ts). */
export type AiSdkUiChunk =
  | { type: 'start'; messageId?: string; messageMetadata?: unknown }
  | { type: 'start-step' }
  | { type: 'finish-step' }
  | {
      type: 'text-start' | 'text-end' | 'reasoning-start' | 'reasoning-end'
      id: string
      providerMetadata?: ProviderMetadata
    }
  | { type: 'text-delta' | 'reasoning-delta'; id: string; delta: string; providerMetadata?: ProviderMetadata }
  | { type: 'tool-input-start'; toolCallId: string; toolName: string; providerExecuted?: boolean; dynamic?: boolean }
  | { type: 'tool-input-delta'; toolCallId: string; inputTextDelta: string }
  | {
      type: 'tool-input-available'
      toolCallId: string
      toolName: string
      input: unknown
      providerExecuted?: boolean
      dynamic?: boolean
    }
  | {
      type: 'tool-input-error'
      toolCallId: string
      toolName: string
      input: unknown
      errorText: string
      dynamic?: boolean
    }
  | {
      type: 'tool-output-available'
      toolCallId: string
      output: unknown
      providerExecuted?: boolean
      dynamic?: boolean
      preliminary?: boolean
    }
  | { type: 'tool-output-error'; toolCallId: string; errorText: string; providerExecuted?: boolean; dynamic?: boolean }
  | { type: 'tool-output-denied'; toolCallId: string }
  | { type: `data-${string}`; id?: string; data: unknown; transient?: boolean }
  | { type: 'finish'; finishReason?: AiSdkFinishReason; messageMetadata?: unknown }
  | { type: 'abort'; reason?: string }
  | { type: 'error'; errorText: string }

/**
 * `ChatCompletionChunk` of the `openai` package (openai/openai-node src/resources/chat/completions/completions.ts),
 * plus the `reasoning_content` / `reasoning` delta fields that DeepSeek, vLLM and OpenRouter add.
 */
export interface OpenAiChatCompletionChunk {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  system_fingerprint?: string
  service_tier?: 'auto' | 'default' | 'flex' | 'scale' | 'priority' | null
  choices: Array<{
    index: number
    delta: {
      role?: 'developer' | 'system' | 'user' | 'assistant' | 'tool'
      content?: string | null
      refusal?: string | null
      reasoning_content?: string | null
      reasoning?: string | null
      tool_calls?: Array<{
        index: number
        id?: string
        type?: 'function' | 'custom'
        function?: { name?: string; arguments?: string }
        custom?: { name?: string; input?: string }
      }>
    }
    logprobs?: null
    finish_reason: 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call' | null
  }>
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null
}

/** Members of `ResponseStreamEvent` of the `openai` package (openai/openai-node src/resources/responses/responses.ts). */
export type OpenAiResponseStreamEvent =
  | {
      type: 'response.created' | 'response.in_progress' | 'response.completed' | 'response.incomplete'
      response: { id: string; status?: string }
      sequence_number: number
    }
  | {
      type: 'response.failed'
      response: { id: string; status?: string; error: { code: string; message: string } | null }
      sequence_number: number
    }
  | {
      type: 'response.output_item.added' | 'response.output_item.done'
      output_index: number
      item: OpenAiResponseOutputItem
      sequence_number: number
    }
  | {
      type: 'response.content_part.added' | 'response.content_part.done'
      item_id: string
      output_index: number
      content_index: number
      part: unknown
      sequence_number: number
    }
  | {
      type: 'response.output_text.delta'
      item_id: string
      output_index: number
      content_index: number
      delta: string
      logprobs: unknown[]
      sequence_number: number
    }
  | {
      type: 'response.output_text.done'
      item_id: string
      output_index: number
      content_index: number
      text: string
      logprobs: unknown[]
      sequence_number: number
    }
  | {
      type: 'response.refusal.delta'
      item_id: string
      output_index: number
      content_index: number
      delta: string
      sequence_number: number
    }
  | {
      type: 'response.reasoning_summary_part.added'
      item_id: string
      output_index: number
      summary_index: number
      part: { type: 'summary_text'; text: string }
      sequence_number: number
    }
  | {
      type: 'response.reasoning_summary_text.delta'
      item_id: string
      output_index: number
      summary_index: number
      delta: string
      sequence_number: number
    }
  | {
      type: 'response.reasoning_summary_text.done'
      item_id: string
      output_index: number
      summary_index: number
      text: string
      sequence_number: number
    }
  | {
      type: 'response.reasoning_text.delta'
      item_id: string
      output_index: number
      content_index: number
      delta: string
      sequence_number: number
    }
  | {
      type: 'response.function_call_arguments.delta'
      item_id: string
      output_index: number
      delta: string
      sequence_number: number
    }
  | {
      type: 'response.function_call_arguments.done'
      item_id: string
      output_index: number
      name: string
      arguments: string
      sequence_number: number
    }
  | { type: 'error'; code: string | null; message: string; param: string | null; sequence_number: number }

/** Output items of a response that the fixtures use. */
export type OpenAiResponseOutputItem =
  | { type: 'reasoning'; id: string; summary: Array<{ type: 'summary_text'; text: string }>; status?: string }
  | { type: 'message'; id: string; role: 'assistant'; status: string; content: unknown[] }
  | {
      type: 'function_call'
      id?: string
      call_id: string
      name: string
      arguments: string
      status?: 'in_progress' | 'completed' | 'incomplete'
    }
  | { type: 'custom_tool_call'; id?: string; call_id: string; name: string; input: string }
