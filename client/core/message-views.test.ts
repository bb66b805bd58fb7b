import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  appendMessage,
  appendText,
  appendToolCall,
  getSessionRoots,
  readMessages,
  setMessageStatus,
} from '../../shared/session/session-doc.ts'
import { createSeededRandom, testSeed } from '../../shared/testing/seeded-random.ts'
import { createMessageViews } from './message-views.ts'

const question = (doc: Y.Doc, id: string): Y.Map<unknown> =>
  appendMessage(doc, { id, role: 'user', author: 'alice', createdAt: 1, status: 'done', text: `question ${id}` })

const reply = (doc: Y.Doc, id: string, replyTo: string): Y.Map<unknown> =>
  appendMessage(doc, { id, role: 'assistant', author: 'agent', createdAt: 2, status: 'streaming', replyTo })

describe('createMessageViews', () => {
  it('reads what readMessages reads after every kind of change, in session order', () => {
    const doc = new Y.Doc()
    const views = createMessageViews(doc)
    const random = createSeededRandom(testSeed(11))
    const maps: Y.Map<unknown>[] = []
    for (let step = 0; step < 300; step++) {
      const choice = random.int(0, 5)
      const target = maps[random.int(0, Math.max(0, maps.length - 1))]
      if (choice === 0 || target === undefined) maps.push(question(doc, `q${step}`))
      else if (choice === 1) maps.push(reply(doc, `r${step}`, String(target.get('id'))))
      else if (choice === 2) appendText(target, ` token${step}`)
      else if (choice === 3) setMessageStatus(target, 'done')
      else if (choice === 4) appendToolCall(target, { toolCallId: `t${step}`, toolName: 'search', input: { step } })
      else getSessionRoots(doc).messages.push([new Y.Map()]) // an entry that does not fit the schema
      expect(views.read()).toEqual(readMessages(doc))
    }
  })

  it('keeps the view of every message no change touched, frozen', () => {
    const doc = new Y.Doc()
    const views = createMessageViews(doc)
    const first = question(doc, 'q1')
    const answer = reply(doc, 'r1', 'q1')
    question(doc, 'q2')
    const before = views.read()
    appendText(answer, 'streamed')
    const after = views.read()
    expect(after).not.toBe(before)
    expect(after.map((view) => view.id)).toEqual(['q1', 'r1', 'q2'])
    expect(after[0]).toBe(before[0])
    expect(after[2]).toBe(before[2])
    expect(after[1]).not.toBe(before[1])
    expect(after[1]?.text).toBe('streamed')
    expect(Object.isFrozen(after[1])).toBe(true)
    expect(Object.isFrozen(after[1]?.parts)).toBe(true)
    expect(Object.isFrozen(after[1]?.parts[0])).toBe(true)
    first.set('status', 'done')
    expect(views.read()[0]).not.toBe(before[0])
  })

  it('follows updates from another replica', () => {
    const doc = new Y.Doc()
    const remote = new Y.Doc()
    const views = createMessageViews(doc)
    question(remote, 'q1')
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote))
    const held = views.read()
    const answer = reply(remote, 'r1', 'q1')
    appendText(answer, 'from far away')
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote, Y.encodeStateVector(doc)))
    const read = views.read()
    expect(read).toEqual(readMessages(doc))
    expect(read[0]).toBe(held[0])
    expect(read[1]?.text).toBe('from far away')
  })

  it('reads a transaction’s changes from inside it and from its observers', () => {
    const doc = new Y.Doc()
    const views = createMessageViews(doc)
    const answer = reply(doc, 'r1', 'q0')
    views.read()
    const seenByObserver: string[] = []
    getSessionRoots(doc).messages.observeDeep(() => {
      seenByObserver.push(views.read()[0]?.text ?? '')
    })
    let seenInside = ''
    doc.transact(() => {
      appendText(answer, 'inside')
      seenInside = views.read()[0]?.text ?? ''
    })
    expect(seenInside).toBe('inside')
    expect(seenByObserver).toEqual(['inside'])
  })

  it('reads every message again once destroyed', () => {
    const doc = new Y.Doc()
    const views = createMessageViews(doc)
    const answer = reply(doc, 'r1', 'q0')
    views.read()
    views.destroy()
    appendText(answer, 'after destroy')
    expect(views.read()).toEqual(readMessages(doc))
    expect(views.read()[0]?.text).toBe('after destroy')
  })
})
