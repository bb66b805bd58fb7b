/**
 * fromOpenAiResponsesStream against a recorded `responses.create({ stream: true })` event sequence: a reasoning
 * summary in two parts, output text, a function call whose arguments stream in, and failures mid-stream.
 */
import { describe, expect, it } from 'vitest'
import { fromOpenAiResponsesStream } from './from-openai-responses-stream.ts'
import { collect, collectUntilError, replay } from './testing/replay.ts'
import type { Response, ResponseStreamEvent as OpenAiResponseStreamEvent } from 'openai/resources/responses/responses'

/** The response object an event carries, recorded with only the fields the adapter reads. */
const snapshot = (fields: Pick<Response, 'id' | 'status'> & Partial<Response>): Response => fields as Response

type Unsequenced<T> = T extends unknown ? Omit<T, 'sequence_number'> : never

let sequence = 0
/** Stamps events with increasing `sequence_number`s, as the API does. */
function events(...list: Array<Unsequenced<OpenAiResponseStreamEvent>>): OpenAiResponseStreamEvent[] {
  return list.map((event) => ({ ...event, sequence_number: sequence++ }) as OpenAiResponseStreamEvent)
}

const functionCall = { type: 'function_call', id: 'fc_68b', call_id: 'call_Zk4', name: 'get_order' } as const

const run = events(
  { type: 'response.created', response: snapshot({ id: 'resp_68', status: 'in_progress' }) },
  { type: 'response.in_progress', response: snapshot({ id: 'resp_68', status: 'in_progress' }) },
  { type: 'response.output_item.added', output_index: 0, item: { type: 'reasoning', id: 'rs_68a', summary: [] } },
  {
    type: 'response.reasoning_summary_part.added',
    item_id: 'rs_68a',
    output_index: 0,
    summary_index: 0,
    part: { type: 'summary_text', text: '' },
  },
  {
    type: 'response.reasoning_summary_text.delta',
    item_id: 'rs_68a',
    output_index: 0,
    summary_index: 0,
    delta: '**Finding the order**',
  },
  {
    type: 'response.reasoning_summary_text.delta',
    item_id: 'rs_68a',
    output_index: 0,
    summary_index: 0,
    delta: '\n\nLook it up by id.',
  },
  {
    type: 'response.reasoning_summary_text.done',
    item_id: 'rs_68a',
    output_index: 0,
    summary_index: 0,
    text: '**Finding the order**\n\nLook it up by id.',
  },
  {
    type: 'response.reasoning_summary_part.added',
    item_id: 'rs_68a',
    output_index: 0,
    summary_index: 1,
    part: { type: 'summary_text', text: '' },
  },
  {
    type: 'response.reasoning_summary_text.delta',
    item_id: 'rs_68a',
    output_index: 0,
    summary_index: 1,
    delta: '**Replying**',
  },
  { type: 'response.output_item.done', output_index: 0, item: { type: 'reasoning', id: 'rs_68a', summary: [] } },
  {
    type: 'response.output_item.added',
    output_index: 1,
    item: { type: 'message', id: 'msg_68c', role: 'assistant', status: 'in_progress', content: [] },
  },
  {
    type: 'response.content_part.added',
    item_id: 'msg_68c',
    output_index: 1,
    content_index: 0,
    part: { type: 'output_text', text: '', annotations: [] },
  },
  {
    type: 'response.output_text.delta',
    item_id: 'msg_68c',
    output_index: 1,
    content_index: 0,
    delta: 'Let me ',
    logprobs: [],
  },
  {
    type: 'response.output_text.delta',
    item_id: 'msg_68c',
    output_index: 1,
    content_index: 0,
    delta: 'check.',
    logprobs: [],
  },
  {
    type: 'response.output_text.done',
    item_id: 'msg_68c',
    output_index: 1,
    content_index: 0,
    text: 'Let me check.',
    logprobs: [],
  },
  {
    type: 'response.output_item.done',
    output_index: 1,
    item: { type: 'message', id: 'msg_68c', role: 'assistant', status: 'completed', content: [] },
  },
  {
    type: 'response.output_item.added',
    output_index: 2,
    item: { ...functionCall, arguments: '', status: 'in_progress' },
  },
  { type: 'response.function_call_arguments.delta', item_id: 'fc_68b', output_index: 2, delta: '{"order_id":' },
  { type: 'response.function_call_arguments.delta', item_id: 'fc_68b', output_index: 2, delta: '"A-17"}' },
  {
    type: 'response.function_call_arguments.done',
    item_id: 'fc_68b',
    output_index: 2,
    arguments: '{"order_id":"A-17"}',
  },
  {
    type: 'response.output_item.done',
    output_index: 2,
    item: { ...functionCall, arguments: '{"order_id":"A-17"}', status: 'completed' },
  },
  { type: 'response.completed', response: snapshot({ id: 'resp_68', status: 'completed' }) },
)

describe('fromOpenAiResponsesStream', () => {
  it('maps reasoning summaries, output text and a finished function call, in order', async () => {
    expect(await collect(fromOpenAiResponsesStream(replay(run)))).toEqual([
      { type: 'reasoning-delta', text: '**Finding the order**' },
      { type: 'reasoning-delta', text: '\n\nLook it up by id.' },
      { type: 'reasoning-delta', text: '\n\n**Replying**' },
      { type: 'text-delta', text: 'Let me ' },
      { type: 'text-delta', text: 'check.' },
      { type: 'tool-call', toolCallId: 'call_Zk4', toolName: 'get_order', input: { order_id: 'A-17' } },
    ])
  })

  it('maps reasoning text, invalid function arguments and custom tool calls', async () => {
    const list = events(
      { type: 'response.reasoning_text.delta', item_id: 'rs_1', output_index: 0, content_index: 0, delta: 'raw chain' },
      {
        type: 'response.output_item.done',
        output_index: 1,
        item: { ...functionCall, arguments: '{"order_id": "A-', status: 'incomplete' },
      },
      {
        type: 'response.output_item.done',
        output_index: 2,
        item: { type: 'custom_tool_call', call_id: 'call_Cu', name: 'shell', input: 'ls -la' },
      },
      { type: 'response.incomplete', response: snapshot({ id: 'resp_69', status: 'incomplete' }) },
    )
    expect(await collect(fromOpenAiResponsesStream(replay(list)))).toEqual([
      { type: 'reasoning-delta', text: 'raw chain' },
      {
        type: 'tool-call',
        toolCallId: 'call_Zk4',
        toolName: 'get_order',
        input: '{"order_id": "A-',
        inputError: 'INVALID_JSON',
      },
      { type: 'tool-call', toolCallId: 'call_Cu', toolName: 'shell', input: 'ls -la' },
    ])
  })

  it('throws on an error event, after the parts before it', async () => {
    const list = events(
      {
        type: 'response.output_text.delta',
        item_id: 'm',
        output_index: 0,
        content_index: 0,
        delta: 'Half',
        logprobs: [],
      },
      { type: 'error', code: 'server_error', message: 'The server had an error.', param: null },
    )
    const { items, error } = await collectUntilError(fromOpenAiResponsesStream(replay(list)))
    expect(items).toEqual([{ type: 'text-delta', text: 'Half' }])
    expect((error as Error).message).toBe('OpenAI Responses stream error: The server had an error.')
    expect((error as Error).cause).toBe(list[1])
  })

  it('throws on response.failed with the response error message', async () => {
    const list = events({
      type: 'response.failed',
      response: snapshot({
        id: 'resp_70',
        status: 'failed',
        error: { code: 'rate_limit_exceeded', message: 'Slow down.' },
      }),
    })
    const { error } = await collectUntilError(fromOpenAiResponsesStream(replay(list)))
    expect((error as Error).message).toBe('OpenAI response failed: Slow down.')
  })
})
