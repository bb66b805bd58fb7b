/**
 * findEntryTexts on real Yjs updates, read on a document that holds them as the scratch copy does: new steers and tool
 * parts are found, and so is a tool part's data replaced inside a stored part, which would otherwise reach the
 * session without the policy seeing it.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, appendSteer, appendToolCall, appendToolResult } from '../../shared/session/session-doc.ts'
import { decodeInboundUpdate } from '../governance/decoded-update.ts'
import { findEntryTexts } from './find-entry-texts.ts'

/** Applies `change` to `doc` and returns the entry texts of the update it made, read as the scratch copy would. */
function entryTextsOf(doc: Y.Doc, change: (doc: Y.Doc) => void) {
  const stored = new Y.Doc()
  Y.applyUpdate(stored, Y.encodeStateAsUpdate(doc))
  const before = Y.encodeStateVector(doc)
  change(doc)
  return findEntryTexts(doc, decodeInboundUpdate(Y.encodeStateAsUpdate(doc, before)), stored)
}

/** A document holding reply `r1` with a tool call and its result. */
function replyWithTool(): { doc: Y.Doc; reply: Y.Map<unknown> } {
  const doc = new Y.Doc()
  const reply = appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming' })
  appendToolCall(reply, { toolCallId: 'c1', toolName: 'lookup', input: { q: 'weather' } })
  appendToolResult(reply, { toolCallId: 'c1', output: 'sunny' })
  return { doc, reply }
}

/** The part map at `index` of `message`. */
function partAt(message: Y.Map<unknown>, index: number): Y.Map<unknown> {
  return (message.get('parts') as Y.Array<Y.Map<unknown>>).get(index)
}

describe('findEntryTexts', () => {
  it('finds a new steer and each new tool part once, its data as JSON text', () => {
    const doc = new Y.Doc()
    const reply = appendMessage(doc, { id: 'r1', role: 'assistant', author: 'bot', status: 'streaming' })
    const texts = entryTextsOf(doc, (d) => {
      appendSteer(d, { id: 's1', kind: 'note', author: 'alice', text: 'ask bob' })
      appendToolCall(reply, { toolCallId: 'c1', toolName: 'lookup', input: { q: 'weather' } })
      appendToolResult(reply, { toolCallId: 'c1', output: 'sunny' })
    })
    expect(texts).toEqual([
      { kind: 'steer', messageId: 's1', text: 'ask bob' },
      { kind: 'tool', messageId: 'r1', text: '{"q":"weather"}' },
      { kind: 'tool', messageId: 'r1', text: 'sunny' },
    ])
  })

  it("finds a tool part's data replaced inside a stored part", () => {
    const { doc, reply } = replyWithTool()
    expect(entryTextsOf(doc, () => partAt(reply, 1).set('output', { mail: 'fay@example.com' }))).toEqual([
      { kind: 'tool', messageId: 'r1', text: '{"mail":"fay@example.com"}' },
    ])
    expect(entryTextsOf(doc, () => partAt(reply, 0).set('input', 'call fay@example.com'))).toEqual([
      { kind: 'tool', messageId: 'r1', text: 'call fay@example.com' },
    ])
  })

  it('asks nothing about other fields of a stored tool part', () => {
    const { doc, reply } = replyWithTool()
    expect(entryTextsOf(doc, () => partAt(reply, 0).set('toolName', 'search'))).toEqual([])
    expect(entryTextsOf(doc, () => partAt(reply, 0).set('output', 'not a tool call field'))).toEqual([])
  })
})
