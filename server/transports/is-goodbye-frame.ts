/**
 * isGoodbyeFrame: whether an inbound frame is what a Hocuspocus provider sends as it leaves a session, right before it
 * closes its socket: the close message, an awareness update that only removes states (its presence going away), or
 * a sync step 2 that carries nothing (its answer to the server's sync step 1, when a client closes right after
 * `waitUntilDurable` asked the server for its state). Once the connection has ended such a frame changes nothing, so
 * it may be handled after the close without harm.
 */
import * as decoding from 'lib0/decoding'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { readAwarenessStates } from './read-awareness-states.ts'
import { readFrameHeader } from './read-frame-header.ts'

/** How y-protocols writes the state of a client whose presence is removed. */
const REMOVED_STATE = 'null'
/** An update of no client's structs and an empty delete set. */
const EMPTY_UPDATE = Uint8Array.of(0, 0)

/**
 * True for a close message, an awareness update whose every entry removes a state and a sync step 2 of an empty
 * update; false for anything else.
 */
export function isGoodbyeFrame(frame: Uint8Array): boolean {
  const header = readFrameHeader(frame)
  if (header?.type === MESSAGE_TYPE.CLOSE) return true
  const emptyAnswer = header?.type === MESSAGE_TYPE.SYNC && header.syncType === SYNC_MESSAGE_TYPE.STEP2
  if (header === undefined || (header.type !== MESSAGE_TYPE.AWARENESS && !emptyAnswer)) return false
  try {
    const body = decoding.createDecoder(frame)
    body.pos = frame.byteLength - header.bodyBytes
    const payload = decoding.readVarUint8Array(body)
    if (emptyAnswer) return body.pos === frame.byteLength && isEmptyUpdate(payload)
    const states = readAwarenessStates(payload)
    return states.length > 0 && states.every((state) => state === REMOVED_STATE)
  } catch {
    return false // reason: a frame that does not decode is no goodbye; the caller drops it as before
  }
}

/** True for the Yjs update that holds no struct and no deletion (what Y.encodeStateAsUpdate gives for nothing new). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === EMPTY_UPDATE.byteLength && update.every((byte, index) => byte === EMPTY_UPDATE[index])
}
