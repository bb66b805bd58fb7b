/**
 * The value arrays of a loaded document's map entries are replaced by copies holding the same values, both those
 * loaded with the document and those of later transactions, and the document encodes and reads as before.
 */
import type { Document, afterLoadDocumentPayload } from '@hocuspocus/server'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, initializeSession, readMessages, startRun } from '../../shared/session/session-doc.ts'
import { createCompactAnyContent } from './compact-any-content.ts'

/** Each ContentAny item of `doc` with the array it holds now. */
function anyContents(doc: Y.Doc): Array<{ content: Y.ContentAny; arr: unknown[] }> {
  const found: Array<{ content: Y.ContentAny; arr: unknown[] }> = []
  for (const structs of doc.store.clients.values())
    for (const struct of structs)
      if (struct instanceof Y.Item && struct.content instanceof Y.ContentAny)
        found.push({ content: struct.content, arr: struct.content.arr })
  return found
}

/** Every array was replaced by an equal copy. */
function expectCopied(before: Array<{ content: Y.ContentAny; arr: unknown[] }>): void {
  expect(before.length).toBeGreaterThan(0)
  for (const { content, arr } of before) {
    expect(content.arr).not.toBe(arr)
    expect(content.arr).toEqual(arr)
  }
}

function load(document: Y.Doc): Promise<unknown> | undefined {
  return createCompactAnyContent().afterLoadDocument?.({ document: document as Document } as afterLoadDocumentPayload)
}

/** A session with meta, a message with a part, and a run: map entries of every kind. */
function writtenSession(): Y.Doc {
  const writer = new Y.Doc()
  initializeSession(writer, { title: 'Written', createdAt: 1 })
  appendMessage(writer, { id: 'm1', role: 'assistant', author: 'bot', status: 'streaming', text: 'hi', createdAt: 2 })
  startRun(writer, { id: 'r1', agent: 'bot', messageId: 'm1', startedAt: 3 })
  return writer
}

describe('compact ContentAny arrays', () => {
  it('copies the arrays of the content a document loaded with', async () => {
    const writer = writtenSession()
    const live = new Y.Doc()
    Y.applyUpdate(live, Y.encodeStateAsUpdate(writer))
    const loaded = anyContents(live)
    await load(live)
    expectCopied(loaded)
    expect(Y.encodeStateAsUpdate(live)).toEqual(Y.encodeStateAsUpdate(writer))
  })

  it('copies the arrays each later transaction decoded, leaving the document as it was', async () => {
    const writer = writtenSession()
    const live = new Y.Doc()
    let decoded: Array<{ content: Y.ContentAny; arr: unknown[] }> = []
    // Registered before the extension's listener, so it sees the arrays as Yjs decoded them.
    live.on('afterTransaction', () => {
      decoded = anyContents(live)
    })
    await load(live)
    Y.applyUpdate(live, Y.encodeStateAsUpdate(writer))
    expectCopied(decoded)
    expect(Y.encodeStateAsUpdate(live)).toEqual(Y.encodeStateAsUpdate(writer))
    expect(readMessages(live)).toEqual(readMessages(writer))
  })
})
