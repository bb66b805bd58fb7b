/**
 * fromAiSdkStream against recorded `fullStream` sequences, typed by the installed `ai` package: a two-step run with reasoning, two
 * parallel tool calls and their results, then text; tool errors, preliminary results, an invalid call, and an error
 * and an abort mid-stream.
 */
import { describe, expect, it } from 'vitest'
import { fromAiSdkStream } from './from-ai-sdk-stream.ts'
import { collect, collectUntilError, replay } from './testing/replay.ts'
import type { LanguageModelUsage, StepResultPerformance, TextStreamPart, ToolSet } from 'ai'

type AiSdk5StreamPart = TextStreamPart<ToolSet>

const usage: LanguageModelUsage = {
  inputTokens: 52,
  inputTokenDetails: { noCacheTokens: 52, cacheReadTokens: 0, cacheWriteTokens: 0 },
  outputTokens: 31,
  outputTokenDetails: { textTokens: 19, reasoningTokens: 12 },
  totalTokens: 83,
}
const performance: StepResultPerformance = {
  effectiveOutputTokensPerSecond: 40,
  outputTokensPerSecond: 40,
  inputTokensPerSecond: undefined,
  effectiveTotalTokensPerSecond: 100,
  stepTimeMs: 800,
  responseTimeMs: 120,
  toolExecutionMs: {},
  timeToFirstOutputMs: 120,
}
const response = { id: 'resp_01', timestamp: new Date(1_767_225_600_000), modelId: 'gpt-5-mini' }

/** `streamText({ tools: { weather }, stopWhen: stepCountIs(2) }).fullStream` of a reasoning model. */
const twoStepRun: AiSdk5StreamPart[] = [
  { type: 'start' },
  { type: 'start-step', request: {}, warnings: [] },
  { type: 'reasoning-start', id: 'rs_01:0', providerMetadata: { openai: { itemId: 'rs_01' } } },
  { type: 'reasoning-delta', id: 'rs_01:0', text: 'The user wants the weather ' },
  { type: 'reasoning-delta', id: 'rs_01:0', text: 'in two cities; call the tool twice.' },
  { type: 'reasoning-end', id: 'rs_01:0' },
  { type: 'tool-input-start', id: 'call_paris', toolName: 'weather' },
  { type: 'tool-input-delta', id: 'call_paris', delta: '{"city":' },
  { type: 'tool-input-delta', id: 'call_paris', delta: '"Paris"}' },
  { type: 'tool-input-end', id: 'call_paris' },
  {
    type: 'tool-call',
    toolCallId: 'call_paris',
    toolName: 'weather',
    input: { city: 'Paris' },
    providerMetadata: { openai: { itemId: 'fc_01' } },
  },
  { type: 'tool-input-start', id: 'call_berlin', toolName: 'weather' },
  { type: 'tool-input-delta', id: 'call_berlin', delta: '{"city":"Berlin"}' },
  { type: 'tool-input-end', id: 'call_berlin' },
  { type: 'tool-call', toolCallId: 'call_berlin', toolName: 'weather', input: { city: 'Berlin' } },
  {
    type: 'tool-result',
    toolCallId: 'call_paris',
    toolName: 'weather',
    input: { city: 'Paris' },
    output: { city: 'Paris', celsius: 18 },
  },
  {
    type: 'tool-result',
    toolCallId: 'call_berlin',
    toolName: 'weather',
    input: { city: 'Berlin' },
    output: { city: 'Berlin', celsius: 12 },
  },
  {
    type: 'finish-step',
    response,
    usage,
    performance,
    finishReason: 'tool-calls',
    rawFinishReason: 'tool_calls',
    providerMetadata: { openai: { responseId: 'resp_01' } },
  },
  { type: 'start-step', request: {}, warnings: [] },
  { type: 'text-start', id: 'msg_02' },
  { type: 'text-delta', id: 'msg_02', text: 'Paris is 18 °C' },
  { type: 'text-delta', id: 'msg_02', text: '' },
  { type: 'text-delta', id: 'msg_02', text: ', Berlin 12 °C.' },
  { type: 'text-end', id: 'msg_02' },
  {
    type: 'finish-step',
    response,
    usage,
    performance,
    finishReason: 'stop',
    rawFinishReason: 'stop',
    providerMetadata: undefined,
  },
  { type: 'finish', finishReason: 'stop', rawFinishReason: 'stop', totalUsage: usage },
]

describe('fromAiSdkStream', () => {
  it('maps an AI SDK run to reasoning, tool calls, tool results and text, in order', async () => {
    expect(await collect(fromAiSdkStream(replay(twoStepRun)))).toEqual([
      { type: 'reasoning-delta', text: 'The user wants the weather ' },
      { type: 'reasoning-delta', text: 'in two cities; call the tool twice.' },
      { type: 'tool-call', toolCallId: 'call_paris', toolName: 'weather', input: { city: 'Paris' } },
      { type: 'tool-call', toolCallId: 'call_berlin', toolName: 'weather', input: { city: 'Berlin' } },
      { type: 'tool-result', toolCallId: 'call_paris', output: { city: 'Paris', celsius: 18 } },
      { type: 'tool-result', toolCallId: 'call_berlin', output: { city: 'Berlin', celsius: 12 } },
      { type: 'text-delta', text: 'Paris is 18 °C' },
      { type: 'text-delta', text: ', Berlin 12 °C.' },
    ])
  })

  it('keeps only final tool results and turns tool errors and invalid calls into typed parts', async () => {
    const parts: AiSdk5StreamPart[] = [
      { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: { q: 'yjs' } },
      {
        type: 'tool-result',
        toolCallId: 'c1',
        toolName: 'search',
        input: { q: 'yjs' },
        output: { status: 'searching' },
        preliminary: true,
      },
      {
        type: 'tool-result',
        toolCallId: 'c1',
        toolName: 'search',
        input: { q: 'yjs' },
        output: { hits: 3 },
        preliminary: false,
      },
      { type: 'tool-call', toolCallId: 'c2', toolName: 'search', input: { q: 1 } },
      { type: 'tool-error', toolCallId: 'c2', toolName: 'search', input: { q: 1 }, error: new Error('quota exceeded') },
      {
        type: 'tool-call',
        toolCallId: 'c3',
        toolName: 'search',
        input: '{"q": "cut',
        dynamic: true,
        invalid: true,
        error: new Error('JSON parse'),
      },
      {
        type: 'tool-error',
        toolCallId: 'c3',
        toolName: 'search',
        input: '{"q": "cut',
        error: 'Invalid input for tool search',
        dynamic: true,
      },
    ]
    expect(await collect(fromAiSdkStream(replay(parts)))).toEqual([
      { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: { q: 'yjs' } },
      { type: 'tool-result', toolCallId: 'c1', output: { hits: 3 } },
      { type: 'tool-call', toolCallId: 'c2', toolName: 'search', input: { q: 1 } },
      { type: 'tool-result', toolCallId: 'c2', output: { error: 'quota exceeded' } },
      { type: 'tool-call', toolCallId: 'c3', toolName: 'search', input: '{"q": "cut', inputError: 'INVALID_JSON' },
      { type: 'tool-result', toolCallId: 'c3', output: { error: 'Invalid input for tool search' } },
    ])
  })

  it('throws the error of an error part after the parts before it', async () => {
    const failure = Object.assign(new Error('Overloaded'), { name: 'AI_APICallError', statusCode: 529 })
    const parts: AiSdk5StreamPart[] = [
      { type: 'start' },
      { type: 'reasoning-delta', id: 'r', text: 'thinking' },
      { type: 'text-delta', id: 't', text: 'Half an ans' },
      { type: 'error', error: failure },
      { type: 'text-delta', id: 't', text: 'never read' },
    ]
    const { items, error } = await collectUntilError(fromAiSdkStream(replay(parts)))
    expect(items).toEqual([
      { type: 'reasoning-delta', text: 'thinking' },
      { type: 'text-delta', text: 'Half an ans' },
    ])
    expect(error).toBe(failure)
  })

  it('wraps an error part that is not an Error, keeping it as cause', async () => {
    const payload = { type: 'overloaded_error', message: 'Overloaded' }
    const { error } = await collectUntilError(
      fromAiSdkStream(replay<AiSdk5StreamPart>([{ type: 'error', error: payload }])),
    )
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toBe('AI SDK stream error: Overloaded')
    expect((error as Error).cause).toBe(payload)
  })

  it('throws an AbortError on an abort part', async () => {
    const parts: AiSdk5StreamPart[] = [{ type: 'text-delta', id: 't', text: 'par' }, { type: 'abort' }]
    const { items, error } = await collectUntilError(fromAiSdkStream(replay(parts)))
    expect(items).toEqual([{ type: 'text-delta', text: 'par' }])
    expect((error as Error).name).toBe('AbortError')
  })
})
