/**
 * checkEntry: what the SDKs and the server write fits the schema, and every odd shape — a string, number, Y.Text or
 * Y.Array where a map is expected, maps with wrong value types, `parts` that is not a list, parts that are not maps,
 * unknown enum values, missing required fields — is a misfit naming the path to the value at fault. Never throws.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { yMapOf } from '../testing/y-map-of.ts'
import {
  checkEntry,
  isHttpProducerEntry,
  isMessageEntry,
  isRunEntry,
  isSteerEntry,
  type CheckedRoot,
} from './check-entry.ts'
import {
  appendMessage,
  appendSteer,
  appendText,
  appendToolCall,
  appendToolResult,
  getSessionRoots,
  initializeSession,
  markSteerHandled,
  startRun,
  endRun,
} from './session-doc.ts'

/** Integrates `value` as the element of a list root, so shared types are attached to a document as readers find them. */
function asEntry(root: 'messages' | 'steering', value: unknown): unknown {
  const doc = new Y.Doc()
  doc.getArray<unknown>(root).push([value])
  return doc.getArray<unknown>(root).get(0)
}

/** A map with `fields` (shared types attached to a document). */
function mapOf(fields: Record<string, unknown>, root: 'messages' | 'steering' = 'messages'): unknown {
  return asEntry(root, yMapOf(fields))
}

const GOOD_MESSAGE = { id: 'm1', role: 'user', author: 'alice' }

function partsOf(...parts: unknown[]): Y.Array<unknown> {
  const list = new Y.Array<unknown>()
  list.push(parts)
  return list
}

describe('checkEntry (PROTOCOL.md §1.3)', () => {
  it('accepts everything the SDKs and the server write', () => {
    const doc = new Y.Doc()
    initializeSession(doc, { title: 'Support', createdAt: 5 })
    const user = appendMessage(doc, {
      id: 'u1',
      role: 'user',
      author: 'alice',
      status: 'done',
      text: 'hi',
      device: 'phone',
    })
    const reply = appendMessage(doc, {
      id: 'r1',
      role: 'assistant',
      author: 'bot',
      status: 'streaming',
      replyTo: 'u1',
      runId: 'run1',
    })
    appendText(reply, 'thinking', 'reasoning')
    appendText(reply, 'answer')
    appendToolCall(reply, { toolCallId: 'c1', toolName: 'search', input: { q: 'yjs' } })
    appendToolCall(reply, { toolCallId: 'c2', toolName: 'search', input: '{"q":', inputError: 'INVALID_JSON' })
    appendToolResult(reply, { toolCallId: 'c1', output: [1, 2] })
    startRun(doc, { id: 'run1', agent: 'bot', messageId: 'r1', startedAt: 6 })
    endRun(doc, 'run1', 'done', 9)
    markSteerHandled(
      appendSteer(doc, { id: 's1', kind: 'stop', author: 'alice', target: 'r1', text: 'enough' }),
      'bot',
      8,
    )
    doc.getMap<unknown>('httpProducers').set('bot\u0000p1', { epoch: 0, seq: 3 })
    const roots = getSessionRoots(doc)
    expect([user, reply].map((message) => checkEntry('messages', message))).toEqual([undefined, undefined])
    expect(checkEntry('steering', roots.steering.get(0))).toBeUndefined()
    expect(checkEntry('runs', roots.runs.get('run1'), 'run1')).toBeUndefined()
    expect(['schema', 'title', 'createdAt'].map((key) => checkEntry('meta', roots.meta.get(key), key))).toEqual([
      undefined,
      undefined,
      undefined,
    ])
    expect(checkEntry('httpProducers', doc.getMap('httpProducers').get('bot\u0000p1'))).toBeUndefined()
    expect(isMessageEntry(reply) && isSteerEntry(roots.steering.get(0)) && isRunEntry(roots.runs.get('run1'))).toBe(
      true,
    )
  })

  it('leaves optional fields optional and unknown keys free', () => {
    expect(checkEntry('messages', mapOf(GOOD_MESSAGE))).toBeUndefined()
    expect(
      checkEntry('messages', mapOf({ ...GOOD_MESSAGE, future: new Y.Map(), note: { any: 'json' } })),
    ).toBeUndefined()
    expect(checkEntry('messages', mapOf({ ...GOOD_MESSAGE, parts: partsOf(yMapOf({ type: 'text' })) }))).toBeUndefined()
    expect(checkEntry('steering', mapOf({ id: 's', kind: 'note', author: 'a' }, 'steering'))).toBeUndefined()
    expect(checkEntry('meta', new Y.Map(), 'somethingElse')).toBeUndefined()
  })

  const nonMaps: Array<[string, () => unknown]> = [
    ['a string', () => 'hello'],
    ['a number', () => 42],
    ['null', () => null],
    ['a plain object', () => ({ id: 'm1', role: 'user', author: 'alice' })],
    ['a Y.Text', () => new Y.Text('hi')],
    ['a Y.Array', () => new Y.Array()],
    ['a Y.XmlFragment', () => new Y.XmlFragment()],
    ['binary', () => new Uint8Array([1, 2])],
  ]
  for (const root of ['messages', 'steering'] as const) {
    it.each(nonMaps)(`refuses %s as a ${root} entry`, (_name, make) => {
      expect(checkEntry(root, asEntry(root, make()))).toEqual({
        path: [],
        reason: expect.stringMatching(/must be a Y\.Map$/) as unknown,
      })
    })
  }
  it.each(nonMaps)('refuses %s as a run', (_name, make) => {
    const doc = new Y.Doc()
    doc.getMap<unknown>('runs').set('r', make())
    expect(checkEntry('runs', doc.getMap('runs').get('r'), 'r')).toEqual({ path: [], reason: 'a run must be a Y.Map' })
  })

  const messageMisfits: Array<[string, Record<string, unknown>, Array<string | number>, string]> = [
    ['no id', { role: 'user', author: 'a' }, ['id'], 'id is required'],
    ['a numeric id', { ...GOOD_MESSAGE, id: 7 }, ['id'], 'id must be a string'],
    [
      'an unknown role',
      { ...GOOD_MESSAGE, role: 'admin' },
      ['role'],
      'role must be one of user, assistant, system, tool',
    ],
    ['no author', { id: 'm', role: 'user' }, ['author'], 'author is required'],
    ['a Y.Text author', { ...GOOD_MESSAGE, author: new Y.Text('alice') }, ['author'], 'author must be a string'],
    [
      'an unknown status',
      { ...GOOD_MESSAGE, status: 'paused' },
      ['status'],
      expect.stringMatching(/^status must be one of streaming/) as unknown as string,
    ],
    [
      'a string createdAt',
      { ...GOOD_MESSAGE, createdAt: 'yesterday' },
      ['createdAt'],
      'createdAt must be a finite number',
    ],
    ['a NaN createdAt', { ...GOOD_MESSAGE, createdAt: Number.NaN }, ['createdAt'], 'createdAt must be a finite number'],
    ['a numeric replyTo', { ...GOOD_MESSAGE, replyTo: 3 }, ['replyTo'], 'replyTo must be a string'],
    ['parts that is a string', { ...GOOD_MESSAGE, parts: 'hello' }, ['parts'], 'parts must be a Y.Array'],
    ['parts that is a Y.Map', { ...GOOD_MESSAGE, parts: new Y.Map() }, ['parts'], 'parts must be a Y.Array'],
    ['parts that is a plain array', { ...GOOD_MESSAGE, parts: ['a'] }, ['parts'], 'parts must be a Y.Array'],
    ['a part that is a string', { ...GOOD_MESSAGE, parts: partsOf('hello') }, ['parts', 0], 'a part must be a Y.Map'],
    [
      'a part that is a Y.Text',
      { ...GOOD_MESSAGE, parts: partsOf(yMapOf({ type: 'text' }), new Y.Text('x')) },
      ['parts', 1],
      'a part must be a Y.Map',
    ],
    [
      'a part without a type',
      { ...GOOD_MESSAGE, parts: partsOf(yMapOf({ text: new Y.Text('x') })) },
      ['parts', 0, 'type'],
      expect.stringMatching(/^type must be one of text/) as unknown as string,
    ],
    [
      'a text part holding a string',
      { ...GOOD_MESSAGE, parts: partsOf(yMapOf({ type: 'text', text: 'plain' })) },
      ['parts', 0, 'text'],
      'text must be a Y.Text',
    ],
    [
      'a text part holding XML',
      { ...GOOD_MESSAGE, parts: partsOf(yMapOf({ type: 'text', text: new Y.XmlText('x') })) },
      ['parts', 0, 'text'],
      'text must be a Y.Text',
    ],
    [
      'a tool call without a name',
      { ...GOOD_MESSAGE, parts: partsOf(yMapOf({ type: 'tool-call', toolCallId: 'c' })) },
      ['parts', 0, 'toolName'],
      'toolName is required',
    ],
    [
      'a tool call whose input is a shared type',
      {
        ...GOOD_MESSAGE,
        parts: partsOf(yMapOf({ type: 'tool-call', toolCallId: 'c', toolName: 't', input: new Y.Map() })),
      },
      ['parts', 0, 'input'],
      'input must be a plain JSON value',
    ],
    [
      'an unknown input error',
      {
        ...GOOD_MESSAGE,
        parts: partsOf(yMapOf({ type: 'tool-call', toolCallId: 'c', toolName: 't', inputError: 'OOPS' })),
      },
      ['parts', 0, 'inputError'],
      'inputError must be one of INVALID_JSON',
    ],
    [
      'a tool result with a numeric call id',
      { ...GOOD_MESSAGE, parts: partsOf(yMapOf({ type: 'tool-result', toolCallId: 1 })) },
      ['parts', 0, 'toolCallId'],
      'toolCallId must be a string',
    ],
  ]
  it.each(messageMisfits)('refuses a message with %s', (_name, fields, path, reason) => {
    const message = mapOf(fields)
    expect(checkEntry('messages', message)).toEqual({ path, reason })
    expect(isMessageEntry(message)).toBe(false)
  })

  it('refuses steers, runs, meta values and producer states of the wrong shape', () => {
    expect(checkEntry('steering', mapOf({ id: 's', kind: 'shout', author: 'a' }, 'steering'))?.path).toEqual(['kind'])
    expect(
      checkEntry('steering', mapOf({ id: 's', kind: 'note', author: 'a', handledAt: 'now' }, 'steering'))?.path,
    ).toEqual(['handledAt'])
    const doc = new Y.Doc()
    const runs = doc.getMap<unknown>('runs')
    runs.set('no-agent', new Y.Map())
    const wrongState = new Y.Map<unknown>()
    wrongState.set('agent', 'bot')
    wrongState.set('state', 'sleeping')
    runs.set('wrong-state', wrongState)
    expect(checkEntry('runs', runs.get('no-agent'), 'no-agent')).toEqual({
      path: ['agent'],
      reason: 'agent is required',
    })
    expect(checkEntry('runs', runs.get('wrong-state'), 'wrong-state')?.path).toEqual(['state'])
    expect(checkEntry('meta', 12, 'title')).toEqual({ path: [], reason: 'must be a string' })
    expect(checkEntry('meta', 'v1', 'schema')).toEqual({ path: [], reason: 'must be a finite number' })
    expect(checkEntry('meta', 'whatever', 'constructor')).toBeUndefined()
    const badProducers: unknown[] = [
      'garbage',
      null,
      [0, 1],
      new Y.Map(),
      { epoch: -1, seq: 0 },
      { epoch: 0, seq: 1.5 },
      { epoch: 0 },
    ]
    expect(badProducers.map((value) => checkEntry('httpProducers', value as never)?.path)).toEqual([
      [],
      [],
      [],
      [],
      ['epoch'],
      ['seq'],
      ['seq'],
    ])
    expect(badProducers.some(isHttpProducerEntry)).toBe(false)
  })

  it('never throws, whatever it is given', () => {
    const holder = new Y.Doc().getArray<unknown>('odd')
    holder.push([new Y.Map(), new Y.Array(), new Y.Text(), new Y.XmlElement('p'), new Y.Doc()])
    const odd: unknown[] = [undefined, null, 0, '', {}, [], Symbol('s'), () => 1, ...holder.toArray()]
    const roots: CheckedRoot[] = ['meta', 'messages', 'steering', 'runs', 'httpProducers']
    for (const root of roots) for (const value of odd) expect(() => checkEntry(root, value, 'title')).not.toThrow()
  })
})
