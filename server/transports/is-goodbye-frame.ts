/**
 * isGoodbyeFrame: whether an inbound frame is what a Hocuspocus provider sends as it leaves a session, right before it
 * closes its socket: the close message, or an awareness update that only removes states (its presence going away).
 * Once the connection has ended such a frame changes nothing, so it may be handled after the close without harm.
 */
import * as decoding from 'lib0/decoding'
import { MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
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
    const update = decoding.createDecoder(decoding.readVarUint8Array(body))
    const entries = decoding.readVarUint(update)
    for (let index = 0; index < entries; index++) {
      decoding.readVarUint(update) // clientID
      decoding.readVarUint(update) // clock
      if (decoding.readVarString(update) !== REMOVED_STATE) return false
    }
    return entries > 0
  } catch {
    return false // reason: a frame that does not decode is no goodbye; the caller drops it as before
  }
}
