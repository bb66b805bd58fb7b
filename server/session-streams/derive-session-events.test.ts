import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { orderFromEvents } from '../../shared/protocol/order-from-events.ts'
import { conversationStepArb, playConversation } from '../../shared/testing/concurrent-conversation.ts'
import { applySessionWrite, sessionWriteArb } from '../../shared/testing/random-session-writes.ts'
import { testSeed } from '../../shared/testing/seeded-random.ts'
import { yMapOf } from '../../shared/testing/y-map-of.ts'
import {
  appendMessage,
  appendSteer,
  appendText,
  appendToolCall,
  findMessage,
  getSessionRoots,
  readMessages,
  setMessageStatus,
} from '../../shared/session/session-doc.ts'
import type { SessionEvent } from '../../shared/protocol/session-events.ts'
import {
  deriveSessionEvents,
  derivePresenceEvent,
  EMPTY_PROJECTION,
  type SessionProjection,
} from './derive-session-events.ts'

function reply(doc: Y.Doc): Y.Map<unknown> {
  const message = findMessage(doc, 'r1')
  if (message === undefined) throw new Error('no reply r1')
  return message
}

describe('deriveSessionEvents (PROTOCOL.md §9.6)', () => {
  it('announces a message, its text growth and its final status once each', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'u1', role: 'user', author: 'alice', status: 'done', text: 'hi', createdAt: 5 })
    appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming', replyTo: 'u1', createdAt: 6 })
    const first = deriveSessionEvents(doc, EMPTY_PROJECTION)
    expect(first.events).toEqual([
      { type: 'message.created', messageId: 'u1', after: null, role: 'user', author: 'alice', createdAt: 5 },
      { type: 'message.delta', messageId: 'u1', part: 0, partType: 'text', text: 'hi' },
      { type: 'message.done', messageId: 'u1' },
      {
        type: 'message.created',
        messageId: 'r1',
        after: 'u1',
        role: 'assistant',
        author: 'bot',
        createdAt: 6,
        replyTo: 'u1',
      },
    ])
    appendText(reply(doc), 'Hel')
    appendText(reply(doc), 'lo')
    const second = deriveSessionEvents(doc, first.projection)
    expect(second.events).toEqual([
      { type: 'message.delta', messageId: 'r1', part: 0, partType: 'text', text: 'Hello' },
    ])
    setMessageStatus(reply(doc), 'stopped')
    appendSteer(doc, { id: 's1', kind: 'stop', author: 'alice', target: 'r1', createdAt: 7 })
    const third = deriveSessionEvents(doc, second.projection)
    expect(third.events).toEqual([
      { type: 'message.stopped', messageId: 'r1' },
      { type: 'steer', steerId: 's1', kind: 'stop', author: 'alice', createdAt: 7, target: 'r1' },
    ])
    expect(deriveSessionEvents(doc, third.projection).events).toEqual([])
  })

  it('matches messages and steers by id, so one inserted before announced ones is announced once and nothing repeats', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 6 })
    appendText(reply(doc), 'Hi')
    appendSteer(doc, { id: 's2', kind: 'note', author: 'alice', text: 'later', createdAt: 8 })
    const first = deriveSessionEvents(doc, EMPTY_PROJECTION)
    // What a concurrent writer's entries look like once merged: placed before the announced ones.
    const { messages, steering } = getSessionRoots(doc)
    doc.transact(() => {
      const early = new Y.Map<unknown>()
      for (const [key, value] of Object.entries({
        id: 'u0',
        role: 'user',
        author: 'carol',
        createdAt: 5,
        status: 'done',
      }))
        early.set(key, value)
      early.set('parts', new Y.Array())
      messages.insert(0, [early])
      const steer = new Y.Map<unknown>()
      for (const [key, value] of Object.entries({
        id: 's1',
        kind: 'note',
        author: 'carol',
        text: 'first',
        createdAt: 7,
      }))
        steer.set(key, value)
      steering.insert(0, [steer])
    })
    appendText(reply(doc), ' there')
    const second = deriveSessionEvents(doc, first.projection)
    expect(second.events).toEqual([
      { type: 'message.created', messageId: 'u0', after: null, role: 'user', author: 'carol', createdAt: 5 },
      { type: 'message.done', messageId: 'u0' },
      { type: 'message.delta', messageId: 'r1', part: 0, partType: 'text', text: ' there' },
      { type: 'steer', steerId: 's1', kind: 'note', author: 'carol', createdAt: 7, text: 'first' },
    ])
    expect(deriveSessionEvents(doc, second.projection).events).toEqual([])
  })

  it('yields the same text whether derived step by step or at once from a stored projection', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 1 })
    let projection: SessionProjection = EMPTY_PROJECTION
    const stepwise: SessionEvent[] = []
    for (const token of ['a', 'bb', 'ccc']) {
      appendText(reply(doc), token)
      const derived = deriveSessionEvents(doc, JSON.parse(JSON.stringify(projection)) as SessionProjection)
      stepwise.push(...derived.events)
      projection = derived.projection
    }
    const text = (events: SessionEvent[]): string =>
      events.map((event) => (event.type === 'message.delta' ? event.text : '')).join('')
    expect(text(stepwise)).toBe('abbccc')
    expect(text(deriveSessionEvents(doc, EMPTY_PROJECTION).events)).toBe('abbccc')
  })

  it('announces reasoning growth and tool parts once', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 1 })
    const first = deriveSessionEvents(doc, EMPTY_PROJECTION)
    appendText(reply(doc), 'thinking', 'reasoning')
    appendToolCall(reply(doc), { toolCallId: 'c1', toolName: 'search', input: { q: 'yjs' } })
    const second = deriveSessionEvents(doc, first.projection)
    expect(second.events).toEqual([
      { type: 'message.delta', messageId: 'r1', part: 0, partType: 'reasoning', text: 'thinking' },
      {
        type: 'message.part',
        messageId: 'r1',
        part: 1,
        content: { type: 'tool-call', toolCallId: 'c1', toolName: 'search', input: { q: 'yjs' } },
      },
    ])
    appendText(reply(doc), 'answer')
    expect(deriveSessionEvents(doc, second.projection).events).toEqual([
      { type: 'message.delta', messageId: 'r1', part: 2, partType: 'text', text: 'answer' },
    ])
  })

  it('announces presence only when the member list changes', () => {
    const members = [
      { principalId: 'bob', role: 'user' },
      { principalId: 'alice', role: 'user', device: 'phone' },
    ]
    const first = derivePresenceEvent(members, EMPTY_PROJECTION)
    expect(first.events).toEqual([
      {
        type: 'presence',
        members: [
          { principalId: 'alice', role: 'user', device: 'phone' },
          { principalId: 'bob', role: 'user' },
        ],
      },
    ])
    expect(derivePresenceEvent([...members].reverse(), first.projection).events).toEqual([])
    expect(derivePresenceEvent([], first.projection).events).toEqual([{ type: 'presence', members: [] }])
  })

  it('skips quarantined entries of every shape and announces the others', () => {
    const writer = new Y.Doc()
    appendMessage(writer, { id: 'u1', role: 'user', author: 'alice', status: 'done', text: 'hi', createdAt: 5 })
    const { messages, steering } = getSessionRoots(writer)
    writer.transact(() => {
      ;(messages as Y.Array<unknown>).push(['a string', 42, new Y.Text('text'), new Y.Array()])
      ;(messages as Y.Array<unknown>).push([
        yMapOf({ id: 'x1', role: 'user', author: 'mallory', status: 'done', parts: 'not a list' }),
      ])
      ;(steering as Y.Array<unknown>).push(['a string steer'])
    })
    appendSteer(writer, { id: 's1', kind: 'note', author: 'alice', text: 'psst', createdAt: 6 })
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(writer))
    expect(deriveSessionEvents(doc, EMPTY_PROJECTION).events).toEqual([
      { type: 'message.created', messageId: 'u1', after: null, role: 'user', author: 'alice', createdAt: 5 },
      { type: 'message.delta', messageId: 'u1', part: 0, partType: 'text', text: 'hi' },
      { type: 'message.done', messageId: 'u1' },
      { type: 'steer', steerId: 's1', kind: 'note', author: 'alice', createdAt: 6, text: 'psst' },
    ])
  })

  it('stops streaming a message while it does not fit the schema and goes on once it fits again', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming', createdAt: 6 })
    appendText(reply(doc), 'Hel')
    const first = deriveSessionEvents(doc, EMPTY_PROJECTION)
    reply(doc).set('status', 'paused')
    const quarantined = deriveSessionEvents(doc, first.projection)
    expect(quarantined.events).toEqual([])
    const broken = getSessionRoots(doc).messages.get(0)
    broken.set('status', 'streaming')
    appendText(broken, 'lo')
    setMessageStatus(broken, 'done')
    expect(deriveSessionEvents(doc, quarantined.projection).events).toEqual([
      { type: 'message.delta', messageId: 'r1', part: 0, partType: 'text', text: 'lo' },
      { type: 'message.done', messageId: 'r1' },
    ])
  })

  it('announces a reply to the first of two questions after that question, though it arrived after the second', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'u1', role: 'user', author: 'alice', status: 'done', createdAt: 1 })
    appendMessage(doc, { id: 'u2', role: 'user', author: 'bob', status: 'done', createdAt: 1 })
    const first = deriveSessionEvents(doc, EMPTY_PROJECTION)
    appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming', replyTo: 'u1', createdAt: 2 })
    const second = deriveSessionEvents(doc, first.projection)
    expect(second.events).toEqual([expect.objectContaining({ type: 'message.created', messageId: 'r1', after: 'u1' })])
    expect(orderFromEvents([...first.events, ...second.events])).toEqual(['u1', 'r1', 'u2'])
  })

  it('lets a reader of the events rebuild the session order after every change, whatever the interleaving', () => {
    fc.assert(
      fc.property(fc.array(conversationStepArb, { minLength: 1, maxLength: 30 }), (steps) => {
        // Replica 0 is the server's document: it derives events after each step, as the event recorder does.
        const replicas = [new Y.Doc(), new Y.Doc(), new Y.Doc()]
        const server = replicas[0] as Y.Doc
        const events: SessionEvent[] = []
        let projection = EMPTY_PROJECTION
        playConversation(replicas, steps, () => {
          const derived = deriveSessionEvents(server, projection)
          events.push(...derived.events)
          projection = derived.projection
          expect(orderFromEvents(events)).toEqual(readMessages(server).map((message) => message.id))
        })
      }),
      { numRuns: 300, seed: testSeed(20_260_304) },
    )
  })

  it('never throws on a document built from random writes, and announces only messages that fit', () => {
    fc.assert(
      fc.property(fc.array(sessionWriteArb, { minLength: 1, maxLength: 40 }), (writes) => {
        const doc = new Y.Doc()
        let projection = EMPTY_PROJECTION
        for (const write of writes) {
          applySessionWrite(doc, write)
          projection = deriveSessionEvents(doc, projection).projection
        }
        expect(() => JSON.stringify(projection)).not.toThrow()
        const loaded = new Y.Doc()
        Y.applyUpdate(loaded, Y.encodeStateAsUpdate(doc))
        const replayed = deriveSessionEvents(loaded, EMPTY_PROJECTION)
        expect(
          replayed.events
            .filter((event) => event.type === 'message.created')
            .map((event) => event.messageId)
            .sort(),
        ).toEqual([...new Set(readMessages(loaded).map((message) => message.id))].sort())
      }),
      { numRuns: 200, seed: testSeed(20_261_202) },
    )
  })
})
