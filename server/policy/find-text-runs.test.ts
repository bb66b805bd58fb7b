/**
 * findTextRuns (PROTOCOL.md §8.8): the text an update adds to a message, with the stored text before it as context —
 * also when Yjs merged the new characters into the stored item of the same client — and nothing for text outside
 * `messages`.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, appendText, findMessage } from '../../shared/session/session-doc.ts'
import { decodeInboundUpdate } from '../governance/decoded-update.ts'
import { findTextRuns, runOffset } from './find-text-runs.ts'

/** Applies `change` to `doc` and returns the runs of the update it made, read as the scratch copy would. */
function runsOf(doc: Y.Doc, change: (doc: Y.Doc) => void) {
  const stored = new Y.Doc()
  Y.applyUpdate(stored, Y.encodeStateAsUpdate(doc))
  const before = Y.encodeStateVector(doc)
  change(doc)
  const update = Y.encodeStateAsUpdate(doc, before)
  return findTextRuns(doc, decodeInboundUpdate(update), stored).map((run) => ({
    kind: run.kind,
    messageId: run.messageId,
    partType: run.partType,
    text: run.text,
    context: run.context,
    offset: runOffset(run),
  }))
}

describe('findTextRuns', () => {
  it('reads a new user message as one run without context', () => {
    const doc = new Y.Doc()
    expect(
      runsOf(doc, (d) => appendMessage(d, { id: 'q1', role: 'user', author: 'a', status: 'done', text: 'hi there' })),
    ).toEqual([{ kind: 'message', messageId: 'q1', partType: 'text', text: 'hi there', context: '', offset: 0 }])
  })

  it('reads a token run appended to a reply, merged into the stored item, with the stored tail as context', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming', text: 'write to ali' })
    const reply = findMessage(doc, 'r1') as Y.Map<unknown>
    const runs = runsOf(doc, () => appendText(reply, 'ce@example.com'))
    expect(runs).toEqual([
      { kind: 'run', messageId: 'r1', partType: 'text', text: 'ce@example.com', context: 'write to ali', offset: 12 },
    ])
  })

  it('reads a reasoning run with its offset into the reasoning text, not the text', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'r2', role: 'assistant', author: 'bot', status: 'streaming', text: 'answer first' })
    const reply = findMessage(doc, 'r2') as Y.Map<unknown>
    appendText(reply, 'think ', 'reasoning')
    appendText(reply, 'more text', 'text')
    const runs = runsOf(doc, () => appendText(reply, 'mail bob@example.com', 'reasoning'))
    expect(runs).toEqual([
      { kind: 'run', messageId: 'r2', partType: 'reasoning', text: 'mail bob@example.com', context: '', offset: 6 },
    ])
  })

  it('ignores text outside messages', () => {
    const doc = new Y.Doc()
    expect(runsOf(doc, (d) => d.getText('elsewhere').insert(0, 'alice@example.com'))).toEqual([])
  })
})
