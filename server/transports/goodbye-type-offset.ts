/**
 * goodbyeTypeOffset: whether an inbound frame is what a Hocuspocus provider sends as it leaves a session, right before
 * it closes its socket: the close message, an awareness update that only removes states (its presence going away),
 * or a sync step 2 that carries nothing (its answer to the server's sync step 1, when a client closes right after
 * `waitUntilDurable` asked the server for its state). Once the connection has ended such a frame changes nothing; the
 * closed-connection guard (enforce-limits.ts) turns it into a close message, which Hocuspocus ignores for a closed
 * connection, where dropping it would log an error.
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
 * The index of the one-byte message type of a close message, an awareness update whose every entry removes a state
 * or a sync step 2 of the empty update; undefined for any other frame (or a type not written in one byte).
 */
export function goodbyeTypeOffset(frame: Uint8Array): number | undefined {
  const header = readFrameHeader(frame)
  if (header?.typeOffset === undefined) return undefined
  if (header.type === MESSAGE_TYPE.CLOSE) return header.typeOffset
  const emptyAnswer = header.type === MESSAGE_TYPE.SYNC && header.syncType === SYNC_MESSAGE_TYPE.STEP2
  if (header.type !== MESSAGE_TYPE.AWARENESS && !emptyAnswer) return undefined
  try {
    const body = decoding.createDecoder(frame)
    body.pos = frame.byteLength - header.bodyBytes
    const payload = decoding.readVarUint8Array(body)
    if (emptyAnswer) return body.pos === frame.byteLength && isEmptyUpdate(payload) ? header.typeOffset : undefined
    const states = readAwarenessStates(payload)
    return states.length > 0 && states.every((state) => state === REMOVED_STATE) ? header.typeOffset : undefined
  } catch {
    return undefined // reason: a frame that does not decode is no goodbye; the caller drops it as before
  }
}

/** True for the two bytes of the Yjs v1 update that holds no struct and no deletion (Y.encodeStateAsUpdate of nothing). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.byteLength === EMPTY_UPDATE.byteLength && update.every((byte, index) => byte === EMPTY_UPDATE[index])
}
