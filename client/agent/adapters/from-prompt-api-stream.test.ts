/**
 * fromPromptApiStream: Prompt API streams of either kind Chrome sends — cumulative (each chunk the answer so far) and
 * delta (each chunk the new text) — yield the same deltas; an early stop cancels the ReadableStream.
 */
import { describe, expect, it } from 'vitest'
import { fromPromptApiStream, type PromptApiChunking } from './from-prompt-api-stream.ts'

const WORDS = ['Hello', ' there', ',', ' world', '.']
const cumulative = WORDS.map((_word, index) => WORDS.slice(0, index + 1).join(''))

function streamOf(chunks: readonly string[]): ReadableStream<string> {
  return new ReadableStream<string>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk)
      controller.close()
    },
  })
}

async function collect(source: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const token of source) out.push(token)
  return out
}

describe('fromPromptApiStream', () => {
  it.each<[string, readonly string[], PromptApiChunking]>([
    ['delta chunks, detected', WORDS, 'auto'],
    ['cumulative chunks, detected', cumulative, 'auto'],
    ['delta chunks, declared', WORDS, 'delta'],
    ['cumulative chunks, declared', cumulative, 'cumulative'],
    ['cumulative chunks with empty ones between', ['', ...cumulative.flatMap((chunk) => [chunk, ''])], 'auto'],
  ])('yields the deltas of %s', async (_label, chunks, chunking) => {
    expect(await collect(fromPromptApiStream(streamOf(chunks), chunking))).toEqual(WORDS)
  })

  it('reads any async iterable of strings too', async () => {
    async function* words(): AsyncGenerator<string> {
      yield* cumulative
    }
    expect((await collect(fromPromptApiStream(words()))).join('')).toBe(WORDS.join(''))
  })

  it('refuses a declared cumulative stream whose chunk does not continue the text', async () => {
    await expect(collect(fromPromptApiStream(streamOf(['Hello', 'Goodbye']), 'cumulative'))).rejects.toThrow(
      /does not continue/,
    )
  })

  it('cancels the stream when the reader stops early', async () => {
    let cancelled = false
    const stream = new ReadableStream<string>({
      pull(controller) {
        controller.enqueue('more ')
      },
      cancel() {
        cancelled = true
      },
    })
    for await (const token of fromPromptApiStream(stream, 'delta')) {
      expect(token).toBe('more ')
      break
    }
    expect(cancelled).toBe(true)
  })
})
