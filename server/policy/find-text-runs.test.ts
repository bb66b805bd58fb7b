/**
 * findTextRuns (PROTOCOL.md §8.8): the text an update adds to a message, with the stored text before it as context —
 * also when Yjs merged the new characters into the stored item of the same client — and nothing for text outside
 * `messages`.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, appendText, findMessage } from '../../shared/session/session-doc.ts'
import { decodeInboundUpdate } from '../governance/decoded-update.ts'
import { findTextRuns } from './find-text-runs.ts'

/** Applies `change` to `doc` and returns the runs of the update it made, read as the scratch copy would. */
function runsOf(doc: Y.Doc, change: (doc: Y.Doc) => void) {
  const stored = new Map<number, number>()
  for (const [client] of doc.store.clients) stored.set(client, Y.getState(doc.store, client))
  const before = Y.encodeStateVector(doc)
  change(doc)
  const update = Y.encodeStateAsUpdate(doc, before)
  return findTextRuns(doc, decodeInboundUpdate(update), (client) => stored.get(client) ?? 0).map(
    ({ offset, ...run }) => ({
      ...run,
      offset: offset(),
    }),
  )
}

describe('findTextRuns', () => {
  it('reads a new user message as one run without context', () => {
    const doc = new Y.Doc()
    expect(
      runsOf(doc, (d) => appendMessage(d, { id: 'q1', role: 'user', author: 'a', status: 'done', text: 'hi there' })),
    ).toEqual([{ kind: 'message', messageId: 'q1', text: 'hi there', context: '', offset: 0 }])
  })

  it('reads a token run appended to a reply, merged into the stored item, with the stored tail as context', () => {
    const doc = new Y.Doc()
    appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming', text: 'write to ali' })
    const reply = findMessage(doc, 'r1') as Y.Map<unknown>
    const runs = runsOf(doc, () => appendText(reply, 'ce@example.com'))
    expect(runs).toEqual([
      { kind: 'run', messageId: 'r1', text: 'ce@example.com', context: 'write to ali', offset: 12 },
    ])
  })

  it('ignores text outside messages', () => {
    const doc = new Y.Doc()
    expect(runsOf(doc, (d) => d.getText('elsewhere').insert(0, 'alice@example.com'))).toEqual([])
  })
})
