/**
 * An agent feeds a reply straight from an LLM SDK stream (recorded AI SDK and OpenAI SDK output, no
 * network) through a real server; a viewer on another connection must see reasoning, tool calls, tool results and
 * text as typed parts in stream order — the reply `text` without the reasoning — and a stop from the viewer must
 * end a `pipeParts` reply `stopped`.
 */
import { describe, expect } from 'vitest'
import { fromAiSdkStream } from '../../client/agent/adapters/from-ai-sdk-stream.ts'
import { fromOpenAiChatStream } from '../../client/agent/adapters/from-openai-chat-stream.ts'
import { replay } from '../../client/agent/adapters/testing/replay.ts'
import type { AiSdk5StreamPart, OpenAiChatCompletionChunk } from '../../client/agent/adapters/testing/sdk-shapes.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import type { MessageView } from '../../shared/session/session-schema.ts'
import { expectedText, tokenAt } from '../../shared/testing/token-stream.ts'
import { test } from '../testing/fixtures.ts'

const usage = { inputTokens: 40, outputTokens: 25, totalTokens: 65 }
const response = { id: 'resp_e2e', timestamp: new Date(1_767_225_600_000), modelId: 'gpt-5-mini' }

/** `streamText(...).fullStream` of a reasoning model that calls one tool, gets its result, then answers. */
const toolRun: AiSdk5StreamPart[] = [
  { type: 'start' },
  { type: 'start-step', request: {}, warnings: [] },
  { type: 'reasoning-start', id: 'rs_1:0' },
  { type: 'reasoning-delta', id: 'rs_1:0', text: 'The user asks for Paris. ' },
  { type: 'reasoning-delta', id: 'rs_1:0', text: 'Use the weather tool.' },
  { type: 'reasoning-end', id: 'rs_1:0' },
  { type: 'tool-input-start', id: 'call_w1', toolName: 'weather' },
  { type: 'tool-input-delta', id: 'call_w1', delta: '{"city":"Paris","unit":"C"}' },
  { type: 'tool-input-end', id: 'call_w1' },
  { type: 'tool-call', toolCallId: 'call_w1', toolName: 'weather', input: { city: 'Paris', unit: 'C' } },
  {
    type: 'tool-result',
    toolCallId: 'call_w1',
    toolName: 'weather',
    input: { city: 'Paris', unit: 'C' },
    output: { celsius: 18, sky: 'clear', hourly: [17, 18, 18] },
  },
  { type: 'finish-step', response, usage, finishReason: 'tool-calls', providerMetadata: undefined },
  { type: 'start-step', request: {}, warnings: [] },
  { type: 'text-start', id: 'msg_2' },
  { type: 'text-delta', id: 'msg_2', text: 'It is 18 °C ' },
  { type: 'text-delta', id: 'msg_2', text: 'and clear in Paris.' },
  { type: 'text-end', id: 'msg_2' },
  { type: 'finish-step', response, usage, finishReason: 'stop', providerMetadata: undefined },
  { type: 'finish', finishReason: 'stop', totalUsage: usage },
]

/** The assistant reply `client` shows; fails the test when there is none. */
function shownReply(client: SessionClient): MessageView {
  const reply = assistantReply(client)
  if (reply === undefined) throw new Error('no assistant reply is shown')
  return reply
}

const assistantReply = (client: SessionClient): MessageView | undefined =>
  client.messages().find((message) => message.role === 'assistant')

describe('LLM SDK adapters end to end', () => {
  test('an AI SDK stream reaches a viewer as reasoning, tool call, tool result and text parts', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const user = connectClient()
    const viewer = connectClient({ device: 'viewer' })
    await Promise.all([user.waitForSynced(), viewer.waitForSynced()])
    const agent = await connectAgent()
    let outcome: Promise<string> | undefined
    agent.onUserMessage((message) => {
      outcome = agent.startReply({ replyTo: message.id }).pipeParts(fromAiSdkStream(replay(toolRun)))
    })
    user.sendMessage('Weather in Paris?')
    await expect.poll(() => outcome, { timeout: 5_000 }).toBeDefined()
    await expect(outcome).resolves.toBe('done')
    await expect.poll(() => assistantReply(viewer)?.status, { timeout: 10_000 }).toBe('done')
    const reply = shownReply(viewer)
    expect(reply.parts).toEqual([
      { type: 'reasoning', text: 'The user asks for Paris. Use the weather tool.' },
      { type: 'tool-call', toolCallId: 'call_w1', toolName: 'weather', input: { city: 'Paris', unit: 'C' } },
      { type: 'tool-result', toolCallId: 'call_w1', output: { celsius: 18, sky: 'clear', hourly: [17, 18, 18] } },
      { type: 'text', text: 'It is 18 °C and clear in Paris.' },
    ])
    expect(reply.text).toBe('It is 18 °C and clear in Paris.')
    const stored = (await (await fetch(`${server.url}/v1/sessions/${sessionId}`)).json()) as { messages: MessageView[] }
    expect(stored.messages.find((message) => message.role === 'assistant')).toEqual(reply)
  })

  test('an OpenAI chat stream reaches a viewer with reasoning, text and accumulated tool calls', async ({
    connectClient,
    connectAgent,
  }) => {
    const chunk = (
      delta: OpenAiChatCompletionChunk['choices'][number]['delta'],
      finishReason: OpenAiChatCompletionChunk['choices'][number]['finish_reason'] = null,
    ): OpenAiChatCompletionChunk => ({
      id: 'chatcmpl-e2e',
      object: 'chat.completion.chunk',
      created: 1_767_225_600,
      model: 'deepseek-reasoner',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    })
    const chunks = [
      chunk({ role: 'assistant', content: null, reasoning_content: 'Two lookups.' }),
      chunk({ content: 'Looking up both.' }),
      chunk({
        tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"id":' } }],
      }),
      chunk({
        tool_calls: [
          { index: 0, function: { arguments: '1}' } },
          { index: 1, id: 'call_b', type: 'function', function: { name: 'lookup', arguments: '{"id":2' } },
        ],
      }),
      chunk({}, 'length'),
    ]
    const viewer = connectClient({ device: 'viewer' })
    await viewer.waitForSynced()
    const agent = await connectAgent()
    await expect(agent.startReply().pipeParts(fromOpenAiChatStream(replay(chunks)))).resolves.toBe('done')
    await expect.poll(() => assistantReply(viewer)?.status, { timeout: 10_000 }).toBe('done')
    expect(assistantReply(viewer)?.parts).toEqual([
      { type: 'reasoning', text: 'Two lookups.' },
      { type: 'text', text: 'Looking up both.' },
      { type: 'tool-call', toolCallId: 'call_a', toolName: 'lookup', input: { id: 1 } },
      { type: 'tool-call', toolCallId: 'call_b', toolName: 'lookup', input: '{"id":2', inputError: 'INVALID_JSON' },
    ])
  })

  test('a stop from the viewer ends a pipeParts reply stopped, keeping the parts written before', async ({
    connectClient,
    connectAgent,
  }) => {
    const viewer = connectClient({ device: 'viewer' })
    await viewer.waitForSynced()
    const agent = await connectAgent()
    const reply = agent.startReply()
    const prefix: AiSdk5StreamPart[] = [
      { type: 'start' },
      { type: 'reasoning-delta', id: 'r', text: 'Write until stopped.' },
      { type: 'tool-call', toolCallId: 'call_s', toolName: 'outline', input: { sections: 3 } },
      {
        type: 'tool-result',
        toolCallId: 'call_s',
        toolName: 'outline',
        input: { sections: 3 },
        output: ['a', 'b', 'c'],
      },
    ]
    // A model that streams text for ever and ignores the signal: pipeParts must still return on the stop.
    const endless = replay<AiSdk5StreamPart>(prefix, {
      repeat: (index) => ({ type: 'text-delta', id: 't', text: tokenAt(index - prefix.length) }),
    })
    const outcome = reply.pipeParts(fromAiSdkStream(endless))
    await expect.poll(() => assistantReply(viewer)?.text.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(500)
    viewer.steer({ kind: 'stop', target: reply.id })
    await expect(outcome).resolves.toBe('stopped')
    await expect.poll(() => assistantReply(viewer)?.status, { timeout: 10_000 }).toBe('stopped')
    const stopped = shownReply(viewer)
    expect(stopped.parts.slice(0, 3)).toEqual([
      { type: 'reasoning', text: 'Write until stopped.' },
      { type: 'tool-call', toolCallId: 'call_s', toolName: 'outline', input: { sections: 3 } },
      { type: 'tool-result', toolCallId: 'call_s', output: ['a', 'b', 'c'] },
    ])
    expect(stopped.parts.slice(3).every((part) => part.type === 'text')).toBe(true)
    expect(stopped.text.length).toBeGreaterThan(500)
    expect(expectedText(100_000).startsWith(stopped.text)).toBe(true)
    expect(stopped.text.endsWith(' ')).toBe(true)
    expect(agent.client.messages().find((message) => message.id === reply.id)?.text).toBe(stopped.text)
  })
})
