/**
 * Hand-made inbound frames (PROTOCOL.md §2.2) for tests of the server's answer to bad input (§2.5): well-formed ones
 * to open a connection over any transport, and one of each kind of bad frame.
 */
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { AUTH_MESSAGE_TYPE, MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'

/** A frame for `sessionId` of `type`, its body written by `write`. */
export function encodeFrame(
  sessionId: string,
  type: number,
  write: (encoder: encoding.Encoder) => void = () => undefined,
): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, sessionId)
  encoding.writeVarUint(encoder, type)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

/** An Auth frame carrying `token` (empty on a server without auth). */
export function authFrame(sessionId: string, token: string): Uint8Array {
  return encodeFrame(sessionId, MESSAGE_TYPE.AUTH, (encoder) => {
    encoding.writeVarUint(encoder, AUTH_MESSAGE_TYPE.TOKEN)
    encoding.writeVarString(encoder, token)
  })
}

/** A sync frame of `syncType` carrying `payload`. */
export function syncFrame(sessionId: string, syncType: number, payload: Uint8Array): Uint8Array {
  return encodeFrame(sessionId, MESSAGE_TYPE.SYNC, (encoder) => {
    encoding.writeVarUint(encoder, syncType)
    encoding.writeVarUint8Array(encoder, payload)
  })
}

/** Sync step 1 with `stateVector` (default empty): the server answers with a step 2 of what it lacks (all of it by default). */
export function probeFrame(sessionId: string, stateVector: Uint8Array = Y.encodeStateVector(new Y.Doc())): Uint8Array {
  return syncFrame(sessionId, SYNC_MESSAGE_TYPE.STEP1, stateVector)
}

/** Bytes with no readable header: the session id's length is a varint past the safe-integer range. */
export const GARBAGE_FRAME = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x01, 0x02])

/** One bad frame of each kind that has a header, named by the reason the server gives (BAD_FRAME_REASONS). */
export function badFramesWithHeader(sessionId: string): {
  TRUNCATED: Uint8Array
  MALFORMED: Uint8Array
  UNKNOWN_TYPE: Uint8Array
} {
  const doc = new Y.Doc()
  doc.getMap('scratch').set('note', 'x'.repeat(64))
  const step2 = syncFrame(sessionId, SYNC_MESSAGE_TYPE.STEP2, Y.encodeStateAsUpdate(doc))
  doc.destroy()
  return {
    TRUNCATED: step2.subarray(0, step2.byteLength - 10),
    MALFORMED: encodeFrame(sessionId, MESSAGE_TYPE.AWARENESS, (encoder) => {
      const state = encoding.createEncoder()
      encoding.writeVarUint(state, 1) // one client
      encoding.writeVarUint(state, 4242) // its clientID
      encoding.writeVarUint(state, 1) // clock
      encoding.writeVarString(state, '{"member": not json')
      encoding.writeVarUint8Array(encoder, encoding.toUint8Array(state))
    }),
    UNKNOWN_TYPE: encodeFrame(sessionId, 77),
  }
}
