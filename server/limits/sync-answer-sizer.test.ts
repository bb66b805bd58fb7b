/**
 * createSyncAnswerSizer: what answering a sync step 1 costs, against the bytes Yjs really answers. Small answers are
 * exact, large ones charged as the whole state (never less than the answer), and the whole state is measured once and
 * then topped up with the updates applied since, until it has grown by an eighth.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, appendText, findMessage, initializeSession } from '../../shared/session/session-doc.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'
import { createSyncAnswerSizer } from './sync-answer-sizer.ts'

let live: Y.Doc
const EMPTY = Y.encodeStateVector(new Y.Doc())

/** What Yjs answers to `stateVector`: the step 2 update plus the server's own state vector. */
const answered = (stateVector: Uint8Array): number =>
  Y.encodeStateAsUpdate(live, stateVector).byteLength + Y.encodeStateVector(live).byteLength

/** A client's write, applied to the live document; returns its update. */
const write = (change: (doc: Y.Doc) => void): Uint8Array => {
  const { update } = changeReplica(live, change)
  Y.applyUpdate(live, update)
  return update
}

beforeEach(() => {
  live = new Y.Doc()
  initializeSession(live, { title: 't', createdAt: 1 })
  write((doc) => {
    appendMessage(doc, { id: 'm-1', role: 'user', author: 'alice', status: 'done', text: 'question' })
  })
  write((doc) => {
    appendMessage(doc, {
      id: 'm-2',
      role: 'assistant',
      author: 'agent-1',
      status: 'streaming',
      text: 'a'.repeat(20_000),
    })
  })
})

describe('createSyncAnswerSizer', () => {
  it('charges a probe and a short resync exactly their answers, plus the same small framing', () => {
    const size = createSyncAnswerSizer()
    const before = Y.encodeStateVector(live)
    write((doc) => {
      appendText(findMessage(doc, 'm-2') as Y.Map<unknown>, ' and more characters'.repeat(15))
    })
    const complete = Y.encodeStateVector(live)
    const framing = size(live, complete) - answered(complete)
    expect(framing).toBeGreaterThan(0)
    expect(framing).toBeLessThan(400)
    expect(size(live, before) - answered(before)).toBe(framing)
    expect(answered(before) - answered(complete)).toBeGreaterThan(300)
  })

  it('charges an empty state vector the whole state, never less than the answer', () => {
    const size = createSyncAnswerSizer()
    const charged = size(live, EMPTY)
    expect(charged).toBeGreaterThanOrEqual(answered(EMPTY))
    expect(charged - answered(EMPTY)).toBeLessThan(400)
  })

  it('never under-charges a forged state vector that lacks only one large struct', () => {
    const size = createSyncAnswerSizer({ maxMeasuredBytes: 4_096 })
    const before = Y.encodeStateVector(live)
    write((doc) => {
      ;(findMessage(doc, 'm-2') as Y.Map<unknown>).set('tool', { output: 'b'.repeat(30_000) })
    })
    // Claims everything except the one 30 kB value: a 1-clock struct, past the exact bound, so charged the whole state.
    expect(size(live, before)).toBe(size(live, EMPTY))
    expect(size(live, before)).toBeGreaterThanOrEqual(answered(before))
    const small = createSyncAnswerSizer({ maxMeasuredBytes: 64 * 1024 })
    expect(small(live, before)).toBeGreaterThanOrEqual(answered(before))
    expect(small(live, before) - answered(before)).toBeLessThan(400)
  })

  it('tops the whole state up with each update applied since it was measured, and measures again after an eighth', () => {
    const size = createSyncAnswerSizer()
    const first = size(live, EMPTY)
    const framing = first - answered(EMPTY)
    const svBefore = Y.encodeStateVector(live).byteLength
    const small = write((doc) => {
      appendText(findMessage(doc, 'm-2') as Y.Map<unknown>, 'x'.repeat(100))
    })
    const svGrowth = Y.encodeStateVector(live).byteLength - svBefore
    expect(size(live, EMPTY)).toBe(first + small.byteLength + svGrowth)
    expect(size(live, EMPTY)).toBeGreaterThanOrEqual(answered(EMPTY))
    write((doc) => {
      appendMessage(doc, { id: 'm-3', role: 'user', author: 'alice', status: 'done', text: 'q'.repeat(10_000) })
    })
    const remeasured = size(live, EMPTY)
    expect(remeasured - answered(EMPTY)).toBe(framing)
  })

  it('throws on a state vector that does not decode', () => {
    expect(() => createSyncAnswerSizer()(live, new Uint8Array([5, 1]))).toThrow()
  })
})
