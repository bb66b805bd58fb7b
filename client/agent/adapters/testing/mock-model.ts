/**
 * A real AI SDK language model for tests: `MockLanguageModelV4` from `ai/test`, answering each call with the next
 * of `steps` (the provider-level stream parts of one model call) through `simulateReadableStream`. `streamText`
 * drives it exactly as it drives a provider's model: tool execution, multi-step runs, abort signals.
 */
import type { LanguageModelV4StreamPart } from '@ai-sdk/provider'
import { simulateReadableStream } from 'ai'
import { MockLanguageModelV4 } from 'ai/test'

/** Token usage of one mocked call (the numbers are not checked). */
const USAGE = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 20, text: 15, reasoning: 5 },
}

/** The `finish` part of a call that ends for `reason`. */
export function finishPart(reason: 'stop' | 'tool-calls'): LanguageModelV4StreamPart {
  return { type: 'finish', usage: USAGE, finishReason: { unified: reason, raw: reason } }
}

/** A model whose n-th call streams `steps[n]`; `chunkDelayMs` paces the parts (default 0). */
export function mockModel(
  steps: readonly (readonly LanguageModelV4StreamPart[])[],
  chunkDelayMs = 0,
): MockLanguageModelV4 {
  let call = 0
  return new MockLanguageModelV4({
    doStream: async () => {
      const parts = steps[Math.min(call, steps.length - 1)] ?? []
      call++
      return {
        stream: simulateReadableStream({
          chunks: [...parts],
          initialDelayInMs: null,
          chunkDelayInMs: chunkDelayMs || null,
        }),
      }
    },
  })
}

/** A model whose every call writes `count` words (`w0 w1 …`), one part every `chunkDelayMs`; `text` is all of them. */
export function wordsModel(count: number, chunkDelayMs: number): { model: MockLanguageModelV4; text: string } {
  const words = Array.from({ length: count }, (_, index) => `w${index} `)
  const model = mockModel(
    [
      [
        { type: 'text-start', id: 't' },
        ...words.map((delta) => ({ type: 'text-delta' as const, id: 't', delta })),
        { type: 'text-end', id: 't' },
        finishPart('stop'),
      ],
    ],
    chunkDelayMs,
  )
  return { model, text: words.join('') }
}
