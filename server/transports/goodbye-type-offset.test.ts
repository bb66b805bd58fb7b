/**
 * goodbyeTypeOffset on the frames a provider sends as it leaves (its close message, its presence removal, its empty
 * answer to a sync step 1, encoded by y-protocols as the provider does) and on frames that are no goodbye.
 */
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { encodeFrame, syncFrame } from '../../e2e/testing/crafted-frames.ts'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { goodbyeTypeOffset } from './goodbye-type-offset.ts'

const SESSION = 's_abc'

function awarenessFrame(update: Uint8Array): Uint8Array {
  return encodeFrame(SESSION, MESSAGE_TYPE.AWARENESS, (encoder) => {
    encoding.writeVarUint8Array(encoder, update)
  })
}

/** A provider's awareness with a presence state set. */
function presentAwareness(): Awareness {
  const awareness = new Awareness(new Y.Doc())
  awareness.setLocalState({ name: 'agent' })
  return awareness
}

/** True when `frame` is a goodbye whose type byte is where a client writes it, right after the session id. */
function isGoodbyeFrame(frame: Uint8Array): boolean {
  const offset = goodbyeTypeOffset(frame)
  if (offset === undefined) return false
  expect(offset).toBe(SESSION.length + 1)
  return true
}

describe('goodbyeTypeOffset', () => {
  it('takes the close message and a presence removal for a goodbye', () => {
    expect(isGoodbyeFrame(encodeFrame(SESSION, MESSAGE_TYPE.CLOSE))).toBe(true)
    const awareness = presentAwareness()
    removeAwarenessStates(awareness, [awareness.clientID], 'left')
    expect(isGoodbyeFrame(awarenessFrame(encodeAwarenessUpdate(awareness, [awareness.clientID])))).toBe(true)
  })

  it('takes a sync step 2 that carries nothing, and no other sync frame, for one', () => {
    const nothing = Y.encodeStateAsUpdate(new Y.Doc())
    expect(isGoodbyeFrame(syncFrame(SESSION, SYNC_MESSAGE_TYPE.STEP2, nothing))).toBe(true)
    expect(isGoodbyeFrame(syncFrame(SESSION, SYNC_MESSAGE_TYPE.UPDATE, nothing))).toBe(false)
    expect(isGoodbyeFrame(syncFrame(SESSION, SYNC_MESSAGE_TYPE.STEP1, Y.encodeStateVector(new Y.Doc())))).toBe(false)
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'hello')
    expect(isGoodbyeFrame(syncFrame(SESSION, SYNC_MESSAGE_TYPE.STEP2, Y.encodeStateAsUpdate(doc)))).toBe(false)
    const deletes = new Y.Doc()
    Y.applyUpdate(deletes, Y.encodeStateAsUpdate(doc))
    deletes.getText('t').delete(0, 1)
    const deleteOnly = Y.encodeStateAsUpdate(deletes, Y.encodeStateVector(doc))
    expect(isGoodbyeFrame(syncFrame(SESSION, SYNC_MESSAGE_TYPE.STEP2, deleteOnly))).toBe(false)
    const trailing = syncFrame(SESSION, SYNC_MESSAGE_TYPE.STEP2, nothing)
    expect(isGoodbyeFrame(Uint8Array.of(...trailing, 0))).toBe(false) // bytes after the update
  })

  it('does not take a presence state, an update or a frame that does not decode for one', () => {
    const awareness = presentAwareness()
    expect(isGoodbyeFrame(awarenessFrame(encodeAwarenessUpdate(awareness, [awareness.clientID])))).toBe(false)
    const doc = new Y.Doc()
    doc.getText('t').insert(0, 'hello')
    expect(isGoodbyeFrame(syncFrame(SESSION, SYNC_MESSAGE_TYPE.UPDATE, Y.encodeStateAsUpdate(doc)))).toBe(false)
    expect(isGoodbyeFrame(awarenessFrame(new Uint8Array([0])))).toBe(false) // no entries
    const removal = presentAwareness()
    removeAwarenessStates(removal, [removal.clientID], 'left')
    const whole = awarenessFrame(encodeAwarenessUpdate(removal, [removal.clientID]))
    expect(isGoodbyeFrame(whole.subarray(0, whole.byteLength - 2))).toBe(false) // cut short
    expect(isGoodbyeFrame(new Uint8Array([0xff, 0xff]))).toBe(false)
  })
})
