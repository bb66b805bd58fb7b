/**
 * fromAiSdkUiMessageStream against a recorded `toUIMessageStream()` sequence (the chunks `useChat` receives):
 * reasoning, a tool call with streamed input, its output, text; tool errors, an invalid call and an error chunk.
 */
import { describe, expect, it } from 'vitest'
import { fromAiSdkUiMessageStream } from './from-ai-sdk-ui-message-stream.ts'
import { collect, collectUntilError, replay } from './testing/replay.ts'
import type { UIMessageChunk as AiSdkUiChunk } from 'ai'

const uiRun: AiSdkUiChunk[] = [
  { type: 'start', messageId: 'msg_7f' },
  { type: 'start-step' },
  { type: 'reasoning-start', id: 'rs_1' },
  { type: 'reasoning-delta', id: 'rs_1', delta: 'Look up ' },
  { type: 'reasoning-delta', id: 'rs_1', delta: 'the order first.' },
  { type: 'reasoning-end', id: 'rs_1' },
  { type: 'tool-input-start', toolCallId: 'call_q1', toolName: 'getOrder' },
  { type: 'tool-input-delta', toolCallId: 'call_q1', inputTextDelta: '{"orderId":' },
  { type: 'tool-input-delta', toolCallId: 'call_q1', inputTextDelta: '"A-17"}' },
  { type: 'tool-input-available', toolCallId: 'call_q1', toolName: 'getOrder', input: { orderId: 'A-17' } },
  { type: 'tool-output-available', toolCallId: 'call_q1', output: { status: 'loading' }, preliminary: true },
  { type: 'tool-output-available', toolCallId: 'call_q1', output: { status: 'shipped', eta: '2026-03-02' } },
  { type: 'finish-step' },
  { type: 'start-step' },
  { type: 'data-progress', id: 'p1', data: { percent: 100 }, transient: true },
  { type: 'text-start', id: 'txt_1' },
  { type: 'text-delta', id: 'txt_1', delta: 'Your order ' },
  { type: 'text-delta', id: 'txt_1', delta: 'has shipped.' },
  { type: 'text-end', id: 'txt_1' },
  { type: 'finish-step' },
  { type: 'finish', finishReason: 'stop' },
]

describe('fromAiSdkUiMessageStream', () => {
  it('maps UI message chunks to reasoning, tool call, final tool output and text, in order', async () => {
    expect(await collect(fromAiSdkUiMessageStream(replay(uiRun)))).toEqual([
      { type: 'reasoning-delta', text: 'Look up ' },
      { type: 'reasoning-delta', text: 'the order first.' },
      { type: 'tool-call', toolCallId: 'call_q1', toolName: 'getOrder', input: { orderId: 'A-17' } },
      { type: 'tool-result', toolCallId: 'call_q1', output: { status: 'shipped', eta: '2026-03-02' } },
      { type: 'text-delta', text: 'Your order ' },
      { type: 'text-delta', text: 'has shipped.' },
    ])
  })

  it('turns input and output errors and denials into typed parts', async () => {
    const chunks: AiSdkUiChunk[] = [
      {
        type: 'tool-input-error',
        toolCallId: 'c1',
        toolName: 'getOrder',
        input: '{"orderId": 17',
        errorText: 'Invalid input',
        dynamic: true,
      },
      { type: 'tool-output-error', toolCallId: 'c1', errorText: 'Invalid input for tool getOrder', dynamic: true },
      { type: 'tool-input-available', toolCallId: 'c2', toolName: 'refund', input: { orderId: 'A-17' } },
      { type: 'tool-output-denied', toolCallId: 'c2' },
    ]
    expect(await collect(fromAiSdkUiMessageStream(replay(chunks)))).toEqual([
      {
        type: 'tool-call',
        toolCallId: 'c1',
        toolName: 'getOrder',
        input: '{"orderId": 17',
        inputError: 'INVALID_JSON',
      },
      { type: 'tool-result', toolCallId: 'c1', output: { error: 'Invalid input for tool getOrder' } },
      { type: 'tool-call', toolCallId: 'c2', toolName: 'refund', input: { orderId: 'A-17' } },
      { type: 'tool-result', toolCallId: 'c2', output: { error: 'tool execution denied' } },
    ])
  })

  it('throws an Error with the errorText of an error chunk, after the parts before it', async () => {
    const chunks: AiSdkUiChunk[] = [
      { type: 'text-delta', id: 't', delta: 'Partial' },
      { type: 'error', errorText: 'An error occurred.' },
      { type: 'text-delta', id: 't', delta: 'never read' },
    ]
    const { items, error } = await collectUntilError(fromAiSdkUiMessageStream(replay(chunks)))
    expect(items).toEqual([{ type: 'text-delta', text: 'Partial' }])
    expect((error as Error).message).toBe('AI SDK UI message stream error: An error occurred.')
  })

  it('throws an AbortError on an abort chunk', async () => {
    const { error } = await collectUntilError(
      fromAiSdkUiMessageStream(replay<AiSdkUiChunk>([{ type: 'abort', reason: 'user left' }])),
    )
    expect((error as Error).name).toBe('AbortError')
    expect((error as Error).message).toContain('user left')
  })
})
