/**
 * A deterministic stand-in for an on-device model, shaped like the browser's Prompt API (`LanguageModel`): its
 * `promptStreaming` returns a ReadableStream of strings, so the demo's "Answer on this device" and the tests go through
 * the same adapter (`fromPromptApiStream`) a real model would. No weights are downloaded: the answer is a fixed text
 * around the prompt, streamed word by word.
 */

/** The part of a Prompt API session the demo uses. */
export interface LocalLanguageModel {
  /** Streams the answer to `prompt`; aborting `signal` ends the stream early. */
  promptStreaming(prompt: string, options?: { readonly signal?: AbortSignal }): ReadableStream<string>
}

/** Options of {@link createLocalLanguageModel}. */
export interface LocalLanguageModelOptions {
  /** Pause before each word, in ms (default 20). */
  readonly tokenIntervalMs?: number
  /** `delta` (default): each chunk is the next word; `cumulative`: each chunk is the answer so far (older Chrome). */
  readonly chunking?: 'delta' | 'cumulative'
}

/** Longest quote of the prompt in the answer, in characters. */
const QUOTE_CHARS = 80

/** The exact answer the local model gives to `prompt`. */
export function localAnswer(prompt: string): string {
  const quoted = prompt.length > QUOTE_CHARS ? `${prompt.slice(0, QUOTE_CHARS - 3)}...` : prompt
  return `Answered on this device, without the server: you asked "${quoted}". This reply was written into the local copy of the session and is sent once when the network is back.`
}

/** Creates the model. */
export function createLocalLanguageModel(options: LocalLanguageModelOptions = {}): LocalLanguageModel {
  const interval = options.tokenIntervalMs ?? 20
  const cumulative = options.chunking === 'cumulative'
  return {
    promptStreaming(prompt, { signal } = {}) {
      const words = localAnswer(prompt).split(/(?<=\s)/)
      let index = 0
      let soFar = ''
      return new ReadableStream<string>({
        async pull(controller) {
          await new Promise<void>((resolve) => {
            setTimeout(resolve, interval)
          })
          const word = words[index++]
          if (word === undefined || signal?.aborted === true) {
            controller.close()
            return
          }
          soFar += word
          controller.enqueue(cumulative ? soFar : word)
        },
      })
    },
  }
}
