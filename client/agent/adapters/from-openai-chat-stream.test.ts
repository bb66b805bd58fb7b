/**
 * fromOpenAiChatStream against recorded `chat.completions.create({ stream: true })` chunks: text, two parallel tool
 * calls whose arguments arrive in pieces, reasoning deltas of compatible servers, arguments that are not JSON, custom
 * tools, usage chunks, and an error thrown mid-stream.
 */
import { describe, expect, it } from 'vitest'
import { fromOpenAiChatStream } from './from-openai-chat-stream.ts'
import { collect, collectUntilError, replay } from './testing/replay.ts'
import type { ChatCompletionChunk } from 'openai/resources/chat/completions'

/** A chunk as the openai package types it, with the reasoning fields some compatible servers add to a delta. */
type OpenAiChatCompletionChunk = Omit<ChatCompletionChunk, 'choices'> & {
  choices: Array<
    Omit<ChatCompletionChunk.Choice, 'delta'> & {
      delta: ChatCompletionChunk.Choice.Delta & { reasoning_content?: string | null; reasoning?: string | null }
    }
  >
}
type Choice = OpenAiChatCompletionChunk['choices'][number]

/** A chunk of completion `chatcmpl-B9x` carrying one choice. */
function chunk(delta: Choice['delta'], finishReason: Choice['finish_reason'] = null): OpenAiChatCompletionChunk {
  return {
    id: 'chatcmpl-B9x',
    object: 'chat.completion.chunk',
    created: 1_767_225_600,
    model: 'gpt-4o-2024-08-06',
    system_fingerprint: 'fp_9f2c7',
    service_tier: 'default',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  }
}

const usageChunk: OpenAiChatCompletionChunk = {
  id: 'chatcmpl-B9x',
  object: 'chat.completion.chunk',
  created: 1_767_225_600,
  model: 'gpt-4o-2024-08-06',
  choices: [],
  usage: { prompt_tokens: 82, completion_tokens: 41, total_tokens: 123 },
}

/** Text, then two parallel calls (`parallel_tool_calls`), as the API streams them with `stream_options.include_usage`. */
const parallelCalls: OpenAiChatCompletionChunk[] = [
  chunk({ role: 'assistant', content: '', refusal: null }),
  chunk({ content: 'Checking ' }),
  chunk({ content: 'both cities.' }),
  chunk({
    tool_calls: [{ index: 0, id: 'call_Pq1', type: 'function', function: { name: 'get_weather', arguments: '' } }],
  }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty": "Paris"}' } }] }),
  chunk({
    tool_calls: [{ index: 1, id: 'call_Bx2', type: 'function', function: { name: 'get_weather', arguments: '' } }],
  }),
  chunk({ tool_calls: [{ index: 1, function: { arguments: '{"city": "Ber' } }] }),
  chunk({ tool_calls: [{ index: 1, function: { arguments: 'lin", "unit": "c"}' } }] }),
  chunk({}, 'tool_calls'),
  usageChunk,
]

describe('fromOpenAiChatStream', () => {
  it('emits text deltas, then one tool-call per accumulated call when the choice finishes', async () => {
    expect(await collect(fromOpenAiChatStream(replay(parallelCalls)))).toEqual([
      { type: 'text-delta', text: 'Checking ' },
      { type: 'text-delta', text: 'both cities.' },
      { type: 'tool-call', toolCallId: 'call_Pq1', toolName: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool-call', toolCallId: 'call_Bx2', toolName: 'get_weather', input: { city: 'Berlin', unit: 'c' } },
    ])
  })

  it('emits the tool calls once the finish_reason chunk is read, or at the end of a stream without one', async () => {
    let read = 0
    const readWhenEmitted: number[] = []
    for await (const part of fromOpenAiChatStream(
      replay(parallelCalls, {
        beforeItem: (index) => {
          read = index + 1
        },
      }),
    )) {
      if (part.type === 'tool-call') readWhenEmitted.push(read)
    }
    expect(readWhenEmitted).toEqual([10, 10]) // the 10th chunk carries finish_reason 'tool_calls'
    const withoutFinish = await collect(fromOpenAiChatStream(replay(parallelCalls.slice(0, 9))))
    expect(withoutFinish.map((part) => part.type)).toEqual(['text-delta', 'text-delta', 'tool-call', 'tool-call'])
  })

  it('maps reasoning_content and reasoning deltas of compatible servers to reasoning, before the content', async () => {
    const deepSeek: OpenAiChatCompletionChunk[] = [
      chunk({ role: 'assistant', content: null, reasoning_content: '' }),
      chunk({ content: null, reasoning_content: 'Compare ' }),
      chunk({ content: null, reasoning_content: '9.11 and 9.9.' }),
      chunk({ content: '9.9 is ', reasoning_content: null }),
      chunk({ content: 'larger.' }, 'stop'),
    ]
    const openRouter: OpenAiChatCompletionChunk[] = [
      chunk({ role: 'assistant', content: '', reasoning: 'Short think.' }),
      chunk({ content: 'Done.', reasoning: null }, 'stop'),
    ]
    expect(await collect(fromOpenAiChatStream(replay(deepSeek)))).toEqual([
      { type: 'reasoning-delta', text: 'Compare ' },
      { type: 'reasoning-delta', text: '9.11 and 9.9.' },
      { type: 'text-delta', text: '9.9 is ' },
      { type: 'text-delta', text: 'larger.' },
    ])
    expect(await collect(fromOpenAiChatStream(replay(openRouter)))).toEqual([
      { type: 'reasoning-delta', text: 'Short think.' },
      { type: 'text-delta', text: 'Done.' },
    ])
  })

  it('keeps arguments that are not JSON verbatim with inputError INVALID_JSON, and reads empty arguments as {}', async () => {
    const cutOff: OpenAiChatCompletionChunk[] = [
      chunk({
        role: 'assistant',
        content: null,
        tool_calls: [{ index: 0, id: 'call_A', type: 'function', function: { name: 'now', arguments: '' } }],
      }),
      chunk({
        tool_calls: [
          {
            index: 1,
            id: 'call_B',
            type: 'function',
            function: { name: 'write_file', arguments: '{"path": "a.md", "body": "lo' },
          },
        ],
      }),
      chunk({}, 'length'),
    ]
    expect(await collect(fromOpenAiChatStream(replay(cutOff)))).toEqual([
      { type: 'tool-call', toolCallId: 'call_A', toolName: 'now', input: {} },
      {
        type: 'tool-call',
        toolCallId: 'call_B',
        toolName: 'write_file',
        input: '{"path": "a.md", "body": "lo',
        inputError: 'INVALID_JSON',
      },
    ])
  })

  it('keeps a custom tool input as its raw string', async () => {
    const custom: OpenAiChatCompletionChunk[] = [
      chunk({
        role: 'assistant',
        tool_calls: [{ index: 0, id: 'call_C', type: 'custom', custom: { name: 'sql', input: 'SELECT 1' } }],
      }),
      chunk({ tool_calls: [{ index: 0, custom: { input: ' FROM dual' } }] }),
      chunk({}, 'tool_calls'),
    ]
    expect(await collect(fromOpenAiChatStream(replay(custom)))).toEqual([
      { type: 'tool-call', toolCallId: 'call_C', toolName: 'sql', input: 'SELECT 1 FROM dual' },
    ])
  })

  it('separates complete calls sent under one index with different ids, and names calls without an id', async () => {
    const gemini: OpenAiChatCompletionChunk[] = [
      chunk({
        role: 'assistant',
        tool_calls: [{ index: 0, id: 'g1', type: 'function', function: { name: 'a', arguments: '{"n":1}' } }],
      }),
      chunk({ tool_calls: [{ index: 0, id: 'g2', type: 'function', function: { name: 'b', arguments: '{"n":2}' } }] }),
      chunk({ tool_calls: [{ index: 1, type: 'function', function: { name: 'c', arguments: '{}' } }] }, 'tool_calls'),
    ]
    const parts = await collect(fromOpenAiChatStream(replay(gemini)))
    expect(parts.slice(0, 2)).toEqual([
      { type: 'tool-call', toolCallId: 'g1', toolName: 'a', input: { n: 1 } },
      { type: 'tool-call', toolCallId: 'g2', toolName: 'b', input: { n: 2 } },
    ])
    expect(parts[2]).toMatchObject({ type: 'tool-call', toolName: 'c', input: {} })
    expect((parts[2] as { toolCallId: string }).toolCallId).toMatch(/^call_.+/)
  })

  it('ignores choices other than 0 and chunks without choices', async () => {
    const twoChoices: OpenAiChatCompletionChunk = {
      ...chunk({ content: 'A' }),
      choices: [
        { index: 1, delta: { content: 'B' }, finish_reason: null },
        { index: 0, delta: { content: 'A' }, finish_reason: null },
      ],
    }
    expect(await collect(fromOpenAiChatStream(replay([twoChoices, usageChunk])))).toEqual([
      { type: 'text-delta', text: 'A' },
    ])
  })

  it('passes on an error the SDK throws mid-stream, after the parts before it', async () => {
    const failure = Object.assign(new Error('500 The server had an error while processing your request.'), {
      status: 500,
    })
    async function* failing(): AsyncGenerator<OpenAiChatCompletionChunk> {
      yield chunk({ role: 'assistant', content: 'Hal' })
      yield chunk({
        tool_calls: [{ index: 0, id: 'call_X', type: 'function', function: { name: 'f', arguments: '{' } }],
      })
      throw failure
    }
    const { items, error } = await collectUntilError(fromOpenAiChatStream(failing()))
    expect(items).toEqual([{ type: 'text-delta', text: 'Hal' }])
    expect(error).toBe(failure)
  })
})
