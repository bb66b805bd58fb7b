/**
 * readLeadingClock reads the clientID and clock an update starts with from its header, as Yjs encodes them, and
 * names nothing for an update without structs or bytes that are no update.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { readLeadingClock } from './read-leading-clock.ts'

describe('readLeadingClock', () => {
  it('reads the clientID and clock of the first structs, as Yjs writes them', () => {
    const doc = new Y.Doc()
    doc.clientID = 4242
    doc.getArray('messages').push(['first'])
    const before = Y.encodeStateVector(doc)
    doc.getArray('messages').push(['second', 'third'])
    expect(readLeadingClock(Y.encodeStateAsUpdate(doc))).toEqual({ client: 4242, clock: 0 })
    expect(readLeadingClock(Y.encodeStateAsUpdate(doc, before))).toEqual({ client: 4242, clock: 1 })
  })

  it('names nothing for an update without structs or bytes that are no update', () => {
    const doc = new Y.Doc()
    expect(readLeadingClock(Y.encodeStateAsUpdate(doc))).toBeUndefined()
    expect(readLeadingClock(new Uint8Array([]))).toBeUndefined()
    expect(readLeadingClock(new Uint8Array([1, 0xff]))).toBeUndefined()
  })
})
