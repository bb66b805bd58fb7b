/**
 * The adapters on the real SDKs, through a real server: `ai`'s `streamText` driven by its own mock language model
 * (`ai/test`), both as `fullStream` and as `toUIMessageStream()`, and the `openai` package's chat completions and
 * responses streams read from a local OpenAI-compatible server. A viewer on another connection must see reasoning,
 * tool calls, tool results and text as typed parts in stream order, and a stop from the viewer must abort the model
 * call and end the reply `stopped`.
 */
import { jsonSchema, stepCountIs, streamText, tool } from 'ai'
import OpenAI from 'openai'
import { describe, expect } from 'vitest'
import { fromAiSdkStream } from '../../client/agent/adapters/from-ai-sdk-stream.ts'
import { fromAiSdkUiMessageStream } from '../../client/agent/adapters/from-ai-sdk-ui-message-stream.ts'
import { fromOpenAiChatStream } from '../../client/agent/adapters/from-openai-chat-stream.ts'
import { fromOpenAiResponsesStream } from '../../client/agent/adapters/from-openai-responses-stream.ts'
import { finishPart, mockModel } from '../../client/agent/adapters/testing/mock-model.ts'
import type { ReplyPart } from '../../client/agent/reply-part.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import { test } from '../testing/fixtures.ts'
import { startOpenAiCompatibleServer } from '../testing/openai-compatible-server.ts'

const assistantReply = (client: SessionClient): MessageView | undefined =>
  client.messages().find((message) => message.role === 'assistant')

/** A reasoning model that calls the weather tool, then answers from its result. */
const weatherRun = () =>
  mockModel([
    [
      { type: 'stream-start', warnings: [] },
      { type: 'reasoning-start', id: 'r1' },
      { type: 'reasoning-delta', id: 'r1', delta: 'The user asks for Paris. ' },
      { type: 'reasoning-delta', id: 'r1', delta: 'Use the weather tool.' },
      { type: 'reasoning-end', id: 'r1' },
      { type: 'tool-call', toolCallId: 'call_w1', toolName: 'weather', input: '{"city":"Paris"}' },
      finishPart('tool-calls'),
    ],
    [
      { type: 'text-start', id: 't1' },
      { type: 'text-delta', id: 't1', delta: 'It is 18 °C ' },
      { type: 'text-delta', id: 't1', delta: 'in Paris.' },
      { type: 'text-end', id: 't1' },
      finishPart('stop'),
    ],
  ])

const weather = tool({
  description: 'Current weather in a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } } }),
  execute: async ({ city }) => ({ city, celsius: 18 }),
})

/** What the adapters read of a `streamText` result. */
interface ModelStreams {
  readonly fullStream: AsyncIterable<{ readonly type: string }>
  toUIMessageStream(): AsyncIterable<{ readonly type: string }>
}

const WEATHER_PARTS = [
  { type: 'reasoning', text: 'The user asks for Paris. Use the weather tool.' },
  { type: 'tool-call', toolCallId: 'call_w1', toolName: 'weather', input: { city: 'Paris' } },
  { type: 'tool-result', toolCallId: 'call_w1', output: { city: 'Paris', celsius: 18 } },
  { type: 'text', text: 'It is 18 °C in Paris.' },
]

describe('LLM SDK adapters on the real SDKs', () => {
  for (const [name, toParts] of [
    ['fullStream', (result) => fromAiSdkStream(result.fullStream)],
    ['toUIMessageStream()', (result) => fromAiSdkUiMessageStream(result.toUIMessageStream())],
  ] as const satisfies readonly (readonly [string, (result: ModelStreams) => AsyncIterable<ReplyPart>])[]) {
    test(`ai streamText ${name} reaches a viewer as reasoning, tool call, tool result and text parts`, async ({
      server,
      sessionId,
      connectClient,
      connectAgent,
    }) => {
      const user = connectClient()
      const viewer = connectClient({ device: 'viewer' })
      await Promise.all([user.waitForSynced(), viewer.waitForSynced()])
      const agent = await connectAgent()
      const model = weatherRun()
      let outcome: Promise<string> | undefined
      agent.onUserMessage((message) => {
        const reply = agent.startReply({ replyTo: message.id })
        const result = streamText({
          model,
          prompt: message.text,
          tools: { weather },
          stopWhen: stepCountIs(3),
          abortSignal: reply.signal,
        })
        outcome = reply.pipeParts(toParts(result))
      })
      user.sendMessage('Weather in Paris?')
      await expect.poll(() => outcome, { timeout: 5_000 }).toBeDefined()
      await expect(outcome).resolves.toBe('done')
      await expect.poll(() => assistantReply(viewer)?.status, { timeout: 10_000 }).toBe('done')
      expect(assistantReply(viewer)?.parts).toEqual(WEATHER_PARTS)
      expect(assistantReply(viewer)?.text).toBe('It is 18 °C in Paris.')
      expect(model.doStreamCalls).toHaveLength(2)
      const stored = (await (await fetch(`${server.url}/v1/sessions/${sessionId}`)).json()) as {
        messages: MessageView[]
      }
      expect(stored.messages.find((message) => message.role === 'assistant')).toEqual(assistantReply(viewer))
    })
  }

  test('a stop from the viewer aborts the ai model call and ends the reply stopped', async ({
    connectClient,
    connectAgent,
  }) => {
    const viewer = connectClient({ device: 'viewer' })
    await viewer.waitForSynced()
    const agent = await connectAgent()
    const words = Array.from({ length: 2_000 }, (_, index) => `w${index} `)
    const model = mockModel(
      [
        [
          { type: 'text-start', id: 't' },
          ...words.map((delta) => ({ type: 'text-delta' as const, id: 't', delta })),
          { type: 'text-end', id: 't' },
          finishPart('stop'),
        ],
      ],
      5,
    )
    const reply = agent.startReply()
    const result = streamText({ model, prompt: 'Write for ever', abortSignal: reply.signal })
    const outcome = reply.pipeParts(fromAiSdkStream(result.fullStream))
    await expect.poll(() => assistantReply(viewer)?.text.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(20)
    viewer.steer({ kind: 'stop', target: reply.id })
    await expect(outcome).resolves.toBe('stopped')
    await expect.poll(() => assistantReply(viewer)?.status, { timeout: 10_000 }).toBe('stopped')
    const text = assistantReply(viewer)?.text ?? ''
    expect(words.join('').startsWith(text)).toBe(true)
    expect(text.length).toBeLessThan(words.join('').length)
  })

  test('an openai chat completions stream from a compatible server reaches a viewer with text and tool calls', async ({
    connectClient,
    connectAgent,
  }) => {
    const chunk = (delta: object, finishReason: string | null = null) => ({
      id: 'chatcmpl-e2e',
      object: 'chat.completion.chunk',
      created: 1_767_225_600,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    })
    const llm = await startOpenAiCompatibleServer({
      chatCompletions: [
        chunk({ role: 'assistant', content: 'Looking up ' }),
        chunk({ content: 'both.' }),
        chunk({
          tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"id":' } }],
        }),
        chunk({
          tool_calls: [
            { index: 0, function: { arguments: '1}' } },
            { index: 1, id: 'call_b', type: 'function', function: { name: 'lookup', arguments: '{"id":2' } },
          ],
        }),
        chunk({}, 'tool_calls'),
      ],
    })
    try {
      const openai = new OpenAI({ baseURL: llm.baseURL, apiKey: 'test-key' })
      const viewer = connectClient({ device: 'viewer' })
      await viewer.waitForSynced()
      const agent = await connectAgent()
      const reply = agent.startReply()
      const stream = await openai.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Look up 1 and 2' }], stream: true },
        { signal: reply.signal },
      )
      await expect(reply.pipeParts(fromOpenAiChatStream(stream))).resolves.toBe('done')
      await expect.poll(() => assistantReply(viewer)?.status, { timeout: 10_000 }).toBe('done')
      expect(assistantReply(viewer)?.parts).toEqual([
        { type: 'text', text: 'Looking up both.' },
        { type: 'tool-call', toolCallId: 'call_a', toolName: 'lookup', input: { id: 1 } },
        { type: 'tool-call', toolCallId: 'call_b', toolName: 'lookup', input: '{"id":2', inputError: 'INVALID_JSON' },
      ])
      expect(llm.requests).toEqual([
        {
          path: '/v1/chat/completions',
          body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Look up 1 and 2' }], stream: true },
        },
      ])
    } finally {
      await llm.close()
    }
  })

  test('an openai responses stream from a compatible server reaches a viewer with reasoning, text and a call', async ({
    connectClient,
    connectAgent,
  }) => {
    let sequence = 0
    const event = (fields: object) => ({ ...fields, sequence_number: sequence++ })
    const response = (status: string) => ({ id: 'resp_e2e', object: 'response', status, output: [] })
    const functionCall = { type: 'function_call', id: 'fc_1', call_id: 'call_o', name: 'get_order' }
    const llm = await startOpenAiCompatibleServer({
      responses: [
        event({ type: 'response.created', response: response('in_progress') }),
        event({
          type: 'response.reasoning_summary_text.delta',
          item_id: 'rs_1',
          output_index: 0,
          summary_index: 0,
          delta: 'Find it.',
        }),
        event({
          type: 'response.output_text.delta',
          item_id: 'msg_1',
          output_index: 1,
          content_index: 0,
          delta: 'Order ',
        }),
        event({
          type: 'response.output_text.delta',
          item_id: 'msg_1',
          output_index: 1,
          content_index: 0,
          delta: 'A-17:',
        }),
        event({ type: 'response.output_item.added', output_index: 2, item: { ...functionCall, arguments: '' } }),
        event({
          type: 'response.function_call_arguments.delta',
          item_id: 'fc_1',
          output_index: 2,
          delta: '{"id":"A-17"}',
        }),
        event({
          type: 'response.output_item.done',
          output_index: 2,
          item: { ...functionCall, arguments: '{"id":"A-17"}' },
        }),
        event({ type: 'response.completed', response: response('completed') }),
      ],
    })
    try {
      const openai = new OpenAI({ baseURL: llm.baseURL, apiKey: 'test-key' })
      const viewer = connectClient({ device: 'viewer' })
      await viewer.waitForSynced()
      const agent = await connectAgent()
      const reply = agent.startReply()
      const stream = await openai.responses.create(
        { model: 'gpt-5-mini', input: 'Where is order A-17?', stream: true },
        { signal: reply.signal },
      )
      await expect(reply.pipeParts(fromOpenAiResponsesStream(stream))).resolves.toBe('done')
      await expect.poll(() => assistantReply(viewer)?.status, { timeout: 10_000 }).toBe('done')
      expect(assistantReply(viewer)?.parts).toEqual([
        { type: 'reasoning', text: 'Find it.' },
        { type: 'text', text: 'Order A-17:' },
        { type: 'tool-call', toolCallId: 'call_o', toolName: 'get_order', input: { id: 'A-17' } },
      ])
      expect(llm.requests.map((request) => request.path)).toEqual(['/v1/responses'])
    } finally {
      await llm.close()
    }
  })
})
