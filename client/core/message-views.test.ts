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
import { isMessageEntry } from '../../shared/session/check-entry.ts'
import { createSeededRandom, testSeed } from '../../shared/testing/seeded-random.ts'
import { createMessageViews } from './message-views.ts'

const question = (doc: Y.Doc, id: string): Y.Map<unknown> =>
  appendMessage(doc, { id, role: 'user', author: 'alice', createdAt: 1, status: 'done', text: `question ${id}` })

const reply = (doc: Y.Doc, id: string, replyTo: string): Y.Map<unknown> =>
  appendMessage(doc, { id, role: 'assistant', author: 'agent', createdAt: 2, status: 'streaming', replyTo })

describe('createMessageViews', () => {
  it('reads what readMessages reads after every kind of change, in session order', () => {
    const doc = new Y.Doc()
    const remote = new Y.Doc()
    const views = createMessageViews(doc)
    const random = createSeededRandom(testSeed(11))
    for (let step = 0; step < 400; step++) {
      // Most changes are local; some come from another replica, as updates a provider applies.
      const writer = random.int(0, 3) === 0 ? remote : doc
      Y.applyUpdate(writer, Y.encodeStateAsUpdate(writer === doc ? remote : doc, Y.encodeStateVector(writer)))
      const entries = getSessionRoots(writer).messages
      const index = random.int(0, Math.max(0, entries.length - 1))
      const target = entries.get(index) as unknown
      const choice = random.int(0, 6)
      if (choice === 0 || !isMessageEntry(target)) question(writer, `q${step}`)
      else if (choice === 1)
        reply(writer, `r${step}`, String(target.get('id'))) // placed after its question
      else if (choice === 2) appendText(target, ` token${step}`)
      else if (choice === 3) setMessageStatus(target, 'done')
      else if (choice === 4) appendToolCall(target, { toolCallId: `t${step}`, toolName: 'search', input: { step } })
      else if (choice === 5) entries.delete(index, 1)
      else entries.push([new Y.Map()]) // an entry that does not fit the schema
      if (writer === remote) Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote, Y.encodeStateVector(doc)))
      expect(views.read(), `seed ${random.seed}, step ${step}`).toEqual(readMessages(doc))
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

  it('reads a change an observer writes, right after it wrote it', () => {
    const doc = new Y.Doc()
    const views = createMessageViews(doc)
    const answer = reply(doc, 'r1', 'q0')
    views.read()
    const seenAfterWrite: string[] = []
    let written = false
    doc.on('afterTransaction', () => {
      if (written) return
      written = true
      seenAfterWrite.push(views.read()[0]?.text ?? '')
      appendText(answer, ' and more') // a transaction Yjs cleans up after this one's observers
      seenAfterWrite.push(views.read()[0]?.text ?? '')
    })
    appendText(answer, 'first')
    expect(seenAfterWrite).toEqual(['first', 'first and more'])
    expect(views.read()[0]?.text).toBe('first and more')
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
