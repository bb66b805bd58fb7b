/**
 * findMisfitEntry with entriesWrittenBy on a copy holding the update: an update that leaves an entry readers would
 * quarantine (shared/session/check-entry.ts) is found — by what it inserts or by what it deletes — while one that
 * keeps entries fitting, or writes into an entry that did not fit before it, is not.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import {
  appendMessage,
  appendText,
  appendToolCall,
  findMessage,
  getSessionRoots,
} from '../../shared/session/session-doc.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'
import { entriesWrittenBy } from './entries-written-by.ts'
import { findMisfitEntry } from './find-misfit-entry.ts'

const base = new Y.Doc()
appendMessage(base, { id: 'm_1', role: 'user', author: 'alice', status: 'done', text: 'hello' })
appendMessage(base, { id: 'm_2', role: 'assistant', author: 'agent-1', status: 'streaming', text: 'hi' })
appendToolCall(findMessage(base, 'm_2') as Y.Map<unknown>, { toolCallId: 'c1', toolName: 'search', input: { q: 'x' } })

const message = (doc: Y.Doc, id: string): Y.Map<unknown> => findMessage(doc, id) as Y.Map<unknown>
const parts = (doc: Y.Doc, id: string): Y.Array<Y.Map<unknown>> =>
  message(doc, id).get('parts') as Y.Array<Y.Map<unknown>>

/** What `change`, made on a copy of `before`, leaves unfit. */
function misfitOf(before: Y.Doc, change: (doc: Y.Doc) => void): unknown {
  const { doc, update } = changeReplica(before, change)
  return findMisfitEntry(entriesWrittenBy(doc, update), before)
}

describe('findMisfitEntry', () => {
  it('accepts writes that keep every entry fitting', () => {
    expect(
      misfitOf(base, (doc) => {
        appendText(message(doc, 'm_2'), ' more')
      }),
    ).toBeUndefined()
    expect(
      misfitOf(base, (doc) => {
        appendMessage(doc, { id: 'm_3', role: 'user', author: 'bob', status: 'done', text: 'x' })
      }),
    ).toBeUndefined()
    expect(
      misfitOf(base, (doc) => {
        getSessionRoots(doc).context.set('anything', new Y.Map())
      }),
    ).toBeUndefined()
  })

  it('finds a part without its type, and a tool call without its name', () => {
    expect(
      misfitOf(base, (doc) => {
        parts(doc, 'm_1').push([new Y.Map([['text', new Y.Text('t')]])])
      }),
    ).toEqual({ root: 'messages', path: ['parts', 1, 'type'], reason: expect.stringContaining('type') })
    expect(
      misfitOf(base, (doc) => {
        parts(doc, 'm_2').push([
          new Y.Map<unknown>([
            ['type', 'tool-call'],
            ['toolCallId', 'c2'],
          ]),
        ])
      }),
    ).toEqual({ root: 'messages', path: ['parts', 2, 'toolName'], reason: expect.stringContaining('toolName') })
  })

  it('finds what a delete alone leaves unfit', () => {
    expect(
      misfitOf(base, (doc) => {
        parts(doc, 'm_2').get(1).delete('toolName')
      }),
    ).toEqual({ root: 'messages', path: ['parts', 1, 'toolName'], reason: expect.stringContaining('required') })
    expect(
      misfitOf(base, (doc) => {
        parts(doc, 'm_1').get(0).delete('type')
      }),
    ).toMatchObject({ root: 'messages', path: ['parts', 0, 'type'] })
  })

  it('does not hold an entry that did not fit before against the update', () => {
    const legacy = changeReplica(base, (doc) => {
      parts(doc, 'm_1').push([new Y.Map()])
    }).doc
    // Readers skip it (findMessage too), so the write goes straight to its first part's text.
    const first = (doc: Y.Doc): Y.Map<unknown> =>
      (getSessionRoots(doc).messages.get(0).get('parts') as Y.Array<Y.Map<unknown>>).get(0)
    expect(
      misfitOf(legacy, (doc) => {
        ;(first(doc).get('text') as Y.Text).insert(0, 'again ')
      }),
    ).toBeUndefined()
  })
})
