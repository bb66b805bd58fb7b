/**
 * createSyncAnswerEncoder: its answers are byte for byte what Yjs answers (`Y.encodeStateAsUpdate`) for real session
 * documents written by several replicas — with deletions, garbage-collected or kept content, pending structs — and
 * state vectors from empty to complete, taken before, between and after writes; the delete set and the last answer
 * it keeps are reused until the document's next update and encoded again after it.
 */
import fc from 'fast-check'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, appendText, findMessage, initializeSession } from '../../shared/session/session-doc.ts'
import { applySessionWrite, sessionWriteArb } from '../../shared/testing/random-session-writes.ts'
import { createSyncAnswerEncoder } from './sync-answer-encoder.ts'

const EMPTY = Y.encodeStateVector(new Y.Doc())

/** A state vector as the wire carries it. */
const encodeStateVector = (clocks: ReadonlyMap<number, number>): Uint8Array => {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, clocks.size)
  for (const [client, clock] of clocks) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, clock)
  }
  return encoding.toUint8Array(encoder)
}

/**
 * State vectors `live` may be asked with: the empty one, earlier ones, its own, one halfway through each client's
 * clock (cutting structs), and one naming a client it does not know.
 */
const stateVectorsOf = (live: Y.Doc, earlier: readonly Uint8Array[]): Uint8Array[] => {
  const own = Y.decodeStateVector(Y.encodeStateVector(live))
  const halfway = new Map([...own].map(([client, clock]) => [client, Math.floor(clock / 2)]))
  return [
    EMPTY,
    ...earlier,
    Y.encodeStateVector(live),
    encodeStateVector(halfway),
    encodeStateVector(new Map([...own, [4_000_000_001, 7]])),
  ]
}

describe('createSyncAnswerEncoder', () => {
  it('answers exactly what Yjs answers, for random writes of three replicas, with and without gc', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), sessionWriteArb), { maxLength: 30 }),
        fc.boolean(),
        (writes, gc) => {
          const live = new Y.Doc({ gc })
          const replicas = [0, 1, 2].map(() => new Y.Doc({ gc }))
          const encoder = createSyncAnswerEncoder()
          const earlier: Uint8Array[] = []
          for (const [replica, write] of writes) {
            const doc = replicas[replica] as Y.Doc
            Y.applyUpdate(doc, Y.encodeStateAsUpdate(live, Y.encodeStateVector(doc)))
            const before = Y.encodeStateVector(doc)
            applySessionWrite(doc, write)
            Y.applyUpdate(live, Y.encodeStateAsUpdate(doc, before))
            earlier.push(before)
            for (const stateVector of stateVectorsOf(live, earlier.slice(-3)))
              expect(encoder.answer(live, stateVector)).toEqual(Y.encodeStateAsUpdate(live, stateVector))
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('answers like Yjs while the document holds pending structs and deletions', () => {
    const writer = new Y.Doc()
    initializeSession(writer, { title: 't', createdAt: 1 })
    const first = Y.encodeStateAsUpdate(writer)
    const afterFirst = Y.encodeStateVector(writer)
    appendMessage(writer, { id: 'm-1', role: 'user', author: 'alice', status: 'done', text: 'question' })
    const afterSecond = Y.encodeStateVector(writer)
    appendText(findMessage(writer, 'm-1') as Y.Map<unknown>, ' more')
    ;(writer.getArray('messages').get(0) as Y.Map<unknown>).delete('author')
    const third = Y.encodeStateAsUpdate(writer, afterSecond)
    const live = new Y.Doc()
    Y.applyUpdate(live, first)
    Y.applyUpdate(live, third) // builds on the message, not applied
    expect(live.store.pendingStructs).not.toBeNull()
    expect(live.store.pendingDs).not.toBeNull()
    const encoder = createSyncAnswerEncoder()
    for (const stateVector of stateVectorsOf(live, [afterFirst]))
      expect(encoder.answer(live, stateVector)).toEqual(Y.encodeStateAsUpdate(live, stateVector))
  })

  it('keeps the delete set until the next update, then encodes it again', () => {
    const live = new Y.Doc()
    initializeSession(live, { title: 't', createdAt: 1 })
    appendMessage(live, { id: 'm-1', role: 'user', author: 'alice', status: 'done', text: 'question' })
    const encoder = createSyncAnswerEncoder()
    const kept = encoder.deleteSet(live)
    expect(encoder.deleteSet(live)).toBe(kept)
    live.getArray('messages').delete(0, 1)
    const after = encoder.deleteSet(live)
    expect(after).not.toBe(kept)
    expect(after.byteLength).toBeGreaterThan(kept.byteLength)
    expect(encoder.answer(live, EMPTY)).toEqual(Y.encodeStateAsUpdate(live, EMPTY))
  })

  it('answers a repeated state vector with the answer it kept, until the next update', () => {
    const live = new Y.Doc()
    initializeSession(live, { title: 't', createdAt: 1 })
    const encoder = createSyncAnswerEncoder()
    const first = encoder.answer(live, EMPTY)
    expect(encoder.answer(live, new Uint8Array(EMPTY))).toBe(first)
    const own = Y.encodeStateVector(live)
    expect(encoder.answer(live, own)).toEqual(Y.encodeStateAsUpdate(live, own))
    expect(encoder.answer(live, EMPTY)).not.toBe(first) // only the last answer is kept
    const kept = encoder.answer(live, EMPTY)
    appendMessage(live, { id: 'm-1', role: 'user', author: 'alice', status: 'done', text: 'question' })
    const after = encoder.answer(live, EMPTY)
    expect(after).not.toBe(kept)
    expect(after).toEqual(Y.encodeStateAsUpdate(live, EMPTY))
  })
})
