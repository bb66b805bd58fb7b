/**
 * fromPromptApiStream: the browser's built-in Prompt API (`LanguageModel`, `session.promptStreaming(prompt)`) as text
 * tokens for `ReplyWriter.pipe`. `promptStreaming` returns a ReadableStream of strings, and Chrome versions differ on
 * what each chunk holds: earlier ones send the whole answer so far with every chunk (cumulative), later ones only the
 * new text (delta). This adapter yields deltas either way.
 *
 *   const model = await LanguageModel.create()
 *   await reply.pipe(fromPromptApiStream(model.promptStreaming(question, { signal: reply.signal })))
 */

/** How the chunks of a Prompt API stream relate to each other. */
export type PromptApiChunking = 'auto' | 'delta' | 'cumulative'

/** What `promptStreaming` returns (a ReadableStream of strings), or any async iterable of strings. */
export type PromptApiStream = ReadableStream<string> | AsyncIterable<string>

/**
 * Yields the new text of each chunk of `stream`. `chunking` (default `auto`) says how to read the chunks: `delta`
 * yields them as they are; `cumulative` yields what each adds to the one before; `auto` decides on the second
 * non-empty chunk — cumulative when it starts with the first and is longer, delta otherwise — and keeps that.
 * Stopping early (the reply's stop) cancels the stream.
 * @throws Error when a `cumulative` chunk does not continue the text before it (the stream is not cumulative)
 */
export async function* fromPromptApiStream(
  stream: PromptApiStream,
  chunking: PromptApiChunking = 'auto',
): AsyncGenerator<string> {
  let mode = chunking
  let soFar = ''
  let chunks = 0
  for await (const chunk of iterate(stream)) {
    if (chunk === '') continue
    chunks++
    if (mode === 'auto' && chunks === 2)
      mode = chunk.length > soFar.length && chunk.startsWith(soFar) ? 'cumulative' : 'delta'
    if (mode === 'cumulative') {
      if (!chunk.startsWith(soFar))
        throw new Error('Prompt API stream: a cumulative chunk does not continue the text before it')
      const added = chunk.slice(soFar.length)
      soFar = chunk
      if (added !== '') yield added
      continue
    }
    soFar += chunk
    yield chunk
  }
}

async function* iterate(stream: PromptApiStream): AsyncGenerator<string> {
  if (!isReadableStream(stream)) {
    yield* stream
    return
  }
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    // reason: cancelling a stream that already failed or finished rejects; there is nothing left to stop
    await reader.cancel().catch(() => undefined)
  }
}

function isReadableStream(stream: PromptApiStream): stream is ReadableStream<string> {
  return typeof (stream as Partial<ReadableStream<string>>).getReader === 'function'
}
