/**
 * findOverlongUserText on a session document holding the update: user messages (all text parts) and steers are
 * measured, assistant messages never; only entries the update touched.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, appendSteer, appendText, findMessage } from '../../shared/session/session-doc.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'
import { entriesWrittenBy, type WrittenEntry } from '../governance/entries-written-by.ts'
import { findOverlongUserText } from './find-overlong-user-text.ts'

/** Applies `change` to a copy of `doc` and returns the entries the update it made wrote into. */
function changed(doc: Y.Doc, change: (doc: Y.Doc) => void): WrittenEntry[] {
  const { doc: copy, update } = changeReplica(doc, change)
  return entriesWrittenBy(copy, update)
}

describe('findOverlongUserText', () => {
  const base = new Y.Doc()
  appendMessage(base, { id: 'm_user', role: 'user', author: 'alice', status: 'done', text: 'x'.repeat(90) })
  appendMessage(base, {
    id: 'm_long_reply',
    role: 'assistant',
    author: 'agent-1',
    status: 'done',
    text: 'y'.repeat(500),
  })

  it('measures a user message across its text parts, including what was there before', () => {
    const entries = changed(base, (copy) => {
      appendText(findMessage(copy, 'm_user') as Y.Map<unknown>, 'z'.repeat(11), 'reasoning')
    })
    expect(findOverlongUserText(entries, 100)).toEqual({ root: 'messages', entryId: 'm_user', chars: 101 })
    expect(findOverlongUserText(entries, 101)).toBeUndefined()
  })

  it('measures steer text', () => {
    const entries = changed(base, (copy) => {
      appendSteer(copy, { id: 'st_1', kind: 'note', author: 'alice', text: 's'.repeat(120) })
    })
    expect(findOverlongUserText(entries, 100)).toEqual({ root: 'steering', entryId: 'st_1', chars: 120 })
  })

  it('ignores assistant messages and entries the update did not touch', () => {
    const reply = changed(base, (copy) => {
      appendText(findMessage(copy, 'm_long_reply') as Y.Map<unknown>, 'more')
    })
    expect(findOverlongUserText(reply, 100)).toBeUndefined()
    const other = changed(base, (copy) => {
      appendMessage(copy, { id: 'm_short', role: 'user', author: 'alice', status: 'done', text: 'hi' })
    })
    expect(findOverlongUserText(other, 50)).toBeUndefined() // m_user (90) is over 50, but untouched
  })
})
