/**
 * isNoopUpdate: updates that repeat what a document has (structs, and deletes of deleted content) are no-ops;
 * new structs, deletes of live content and deletes ahead of the document are not.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { decodeInboundUpdate } from '../governance/decoded-update.ts'
import { isNoopUpdate as isNoopDecoded } from './is-noop-update.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'

function isNoopUpdate(doc: Y.Doc, update: Uint8Array): boolean {
  return isNoopDecoded(doc, decodeInboundUpdate(update))
}

function documentWithText(): { doc: Y.Doc; text: Y.Text } {
  const doc = new Y.Doc()
  const text = doc.getText('t')
  text.insert(0, 'hello world')
  return { doc, text }
}

/** The update `change` makes on a replica of `doc` (not applied to `doc`). */
function edit(doc: Y.Doc, change: (replica: Y.Doc) => void): Uint8Array {
  return changeReplica(doc, change).update
}

describe('isNoopUpdate', () => {
  it('is true for a full resend, including the delete set of content already deleted', () => {
    const { doc, text } = documentWithText()
    text.delete(0, 6)
    const resend = Y.encodeStateAsUpdate(doc)
    expect(Y.decodeUpdate(resend).ds.clients.size).toBe(1)
    expect(isNoopUpdate(doc, resend)).toBe(true)
  })

  it('is false for new structs', () => {
    const { doc } = documentWithText()
    expect(
      isNoopUpdate(
        doc,
        edit(doc, (replica) => {
          replica.getText('t').insert(0, '!')
        }),
      ),
    ).toBe(false)
  })

  it('is false for a delete of live content', () => {
    const { doc } = documentWithText()
    const deletion = edit(doc, (replica) => {
      replica.getText('t').delete(0, 1)
    })
    expect(Y.decodeUpdate(deletion).structs).toEqual([])
    expect(isNoopUpdate(doc, deletion)).toBe(false)
  })

  it('is false for a delete of content the document does not have yet', () => {
    const { doc } = documentWithText()
    const other = new Y.Doc()
    other.getText('t').insert(0, 'abc')
    other.getText('t').delete(0, 1)
    const deletesOnly = Y.diffUpdate(Y.encodeStateAsUpdate(other), Y.encodeStateVector(other))
    expect(Y.decodeUpdate(deletesOnly)).toMatchObject({ structs: [] })
    expect(Y.decodeUpdate(deletesOnly).ds.clients.size).toBe(1)
    expect(isNoopUpdate(doc, deletesOnly)).toBe(false)
  })
})
