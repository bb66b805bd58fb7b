/**
 * isGoodbyeFrame: whether an inbound frame is what a Hocuspocus provider sends as it leaves a session, right before it
 * closes its socket: the close message, or an awareness update that only removes states (its presence going away).
 * Once the connection has ended such a frame changes nothing, so it may be handled after the close without harm.
 */
import * as decoding from 'lib0/decoding'
import { MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { readAwarenessStates } from './read-awareness-states.ts'
import { readFrameHeader } from './read-frame-header.ts'

/** How y-protocols writes the state of a client whose presence is removed. */
const REMOVED_STATE = 'null'

/** True for a close message and for an awareness update whose every entry removes a state; false for anything else. */
export function isGoodbyeFrame(frame: Uint8Array): boolean {
  const header = readFrameHeader(frame)
  if (header?.type === MESSAGE_TYPE.CLOSE) return true
  if (header?.type !== MESSAGE_TYPE.AWARENESS) return false
  try {
    const body = decoding.createDecoder(frame)
    body.pos = frame.byteLength - header.bodyBytes
    const states = readAwarenessStates(decoding.readVarUint8Array(body))
    return states.length > 0 && states.every((state) => state === REMOVED_STATE)
  } catch {
    return false // reason: a frame that does not decode is no goodbye; the caller drops it as before
  }
}
