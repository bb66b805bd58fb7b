/**
 * countNewEntries: new `messages` and `steering` entries of an inbound update, and nothing for text streamed into an
 * existing message, edits, or structs the session already has.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  appendMessage,
  appendSteer,
  appendText,
  findMessage,
  initializeSession,
  markSteerHandled,
  startRun,
} from '../../shared/session/session-doc.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'
import { countNewEntries, NO_NEW_ENTRIES } from './count-new-entries.ts'

let live: Y.Doc

beforeEach(() => {
  live = new Y.Doc()
  initializeSession(live, { title: 't', createdAt: 1 })
  appendMessage(live, { id: 'm-old', role: 'user', author: 'user-1', status: 'done', text: 'earlier' })
  appendSteer(live, { id: 'st-old', kind: 'note', author: 'user-1', text: 'old' })
})

const edit = (change: (doc: Y.Doc) => void): Uint8Array => changeReplica(live, change).update

describe('countNewEntries', () => {
  it('counts each new message and steer, several in one update too', () => {
    const update = edit((doc) => {
      for (let index = 0; index < 3; index++)
        appendMessage(doc, { id: `m-${index}`, role: 'user', author: 'user-1', status: 'done', text: `hi ${index}` })
      appendSteer(doc, { id: 'st-1', kind: 'stop', author: 'user-1', target: 'm-old' })
    })
    expect(countNewEntries(live, update)).toEqual({ messages: 3, steers: 1 })
  })

  it('counts an agent reply once, and none of the token runs streamed into it afterwards', () => {
    const agent = changeReplica(live, (doc) => {
      appendMessage(doc, { id: 'm-reply', role: 'assistant', author: 'agent-1', status: 'streaming' })
    })
    expect(countNewEntries(live, agent.update)).toEqual({ messages: 1, steers: 0 })
    Y.applyUpdate(live, agent.update)
    const tokens = changeReplica(live, (doc) => {
      const reply = findMessage(doc, 'm-reply') as Y.Map<unknown>
      for (let index = 0; index < 50; index++) appendText(reply, `token ${index} `)
    })
    expect(countNewEntries(live, tokens.update)).toBe(NO_NEW_ENTRIES)
  })

  it('counts nothing for runs, handled marks, or an update the session already holds', () => {
    expect(
      countNewEntries(
        live,
        edit((doc) => {
          startRun(doc, { id: 'r-1', agent: 'agent-1', messageId: 'm-old', startedAt: 2 })
        }),
      ),
    ).toBe(NO_NEW_ENTRIES)
    expect(
      countNewEntries(
        live,
        edit((doc) => {
          const [steer] = doc.getArray<Y.Map<unknown>>('steering').toArray()
          markSteerHandled(steer as Y.Map<unknown>, 'agent-1', 3)
        }),
      ),
    ).toBe(NO_NEW_ENTRIES)
    expect(countNewEntries(live, Y.encodeStateAsUpdate(live))).toBe(NO_NEW_ENTRIES)
  })

  it('throws on bytes that are not an update', () => {
    expect(() => countNewEntries(live, new Uint8Array([200, 1, 2]))).toThrow()
  })
})
