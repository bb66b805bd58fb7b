/**
 * A test-only stand-in for `@mlc-ai/web-llm`, which the browser docs examples are bundled against (an esbuild alias in
 * e2e/specs/docs-browser-examples.spec.ts) because model weights cannot be downloaded in tests. `CreateMLCEngine`
 * returns an engine whose `chat.completions.create({ stream: true })` streams OpenAI-compatible chunks of a
 * deterministic answer to the last user message (`localAnswer` of demo/app/local-language-model.ts), word by word,
 * so the example goes through `fromOpenAiChatStream` as it would with a real model.
 */
import { localAnswer } from '../../demo/app/local-language-model.ts'

/** One message of a chat completion request. */
interface ChatMessage {
  readonly role: string
  readonly content: string
}

/** The OpenAI-compatible chunk the engine streams. */
interface ChatCompletionChunk {
  readonly id: string
  readonly object: 'chat.completion.chunk'
  readonly created: number
  readonly model: string
  readonly choices: { index: number; delta: { role?: string; content?: string }; finish_reason: string | null }[]
}

/** The part of WebLLM's engine the docs example uses. */
export interface StandInEngine {
  readonly chat: {
    readonly completions: {
      create(request: { stream: true; messages: readonly ChatMessage[] }): Promise<AsyncIterable<ChatCompletionChunk>>
    }
  }
}

/** Streams the answer to the last user message of `messages` as chat completion chunks of model `model`. */
async function* answerChunks(model: string, messages: readonly ChatMessage[]): AsyncGenerator<ChatCompletionChunk> {
  const question = messages.filter((message) => message.role === 'user').at(-1)?.content ?? ''
  const chunk = (delta: { role?: string; content?: string }, finish: string | null): ChatCompletionChunk => ({
    id: 'chatcmpl-stand-in',
    object: 'chat.completion.chunk',
    created: 0,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  })
  yield chunk({ role: 'assistant' }, null)
  for (const word of localAnswer(question).split(/(?<=\s)/)) yield chunk({ content: word }, null)
  yield chunk({}, 'stop')
}

/** Like WebLLM's `CreateMLCEngine(modelId)`: an engine answering as `modelId`, with nothing to download. */
export async function CreateMLCEngine(modelId: string): Promise<StandInEngine> {
  return {
    chat: { completions: { create: async ({ messages }) => answerChunks(modelId, messages) } },
  }
}
