/**
 * The demo agent's deterministic answer: a long, readable reply streamed word by word at a realistic pace, so
 * refreshes, drops and device switches can be tried by hand without an LLM.
 */

/** Options of {@link demoAnswer}. */
export interface DemoAnswerOptions {
  /** Pause between tokens in ms (default 35, about 28 tokens/s — a typical hosted LLM). */
  readonly tokenIntervalMs?: number
  readonly signal?: AbortSignal
}

const PARAGRAPHS = [
  'Here is a long answer, streamed token by token so you can watch Lifeline keep it safe.',
  'Every run of tokens is a Yjs update. The server writes it to its append-only log before it acknowledges it, so nothing it acknowledged can be lost, even if it crashes a moment later.',
  'Refresh this page now: the answer continues from exactly where it was. Your browser asks for what it lacks by state vector, and the server sends only that. No token is repeated and the model is not called again.',
  'Open the same session on another device and you will see the same text arriving at the same time. Each device is just another viewer of one durable session document.',
  'Turn off your network for a while: messages you type are kept locally and delivered exactly once when you are back.',
  'That is the whole idea: generating tokens is the easy part; keeping the session alive around them is what Lifeline is for.',
]

/** Yields the demo answer to `prompt`, word by word. */
export async function* demoAnswer(prompt: string, options: DemoAnswerOptions = {}): AsyncGenerator<string> {
  const interval = options.tokenIntervalMs ?? 35
  const quoted = prompt.length > 80 ? `${prompt.slice(0, 77)}...` : prompt
  const text = [`You said: "${quoted}".`, ...PARAGRAPHS].join('\n\n')
  for (const token of text.split(/(?<=\s)/)) {
    if (options.signal?.aborted === true) return
    await new Promise<void>((resolve) => {
      setTimeout(resolve, interval)
    })
    yield token
  }
}
