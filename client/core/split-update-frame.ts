/**
 * splitUpdateFrame: the frames to send instead of one sync frame whose Yjs update is over the server's
 * `maxUpdateBytes` (PROTOCOL.md §10.1): the same document, frame type and sync sub-type, each with one piece of
 * splitUpdate. Any other frame is returned as it is.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { splitUpdate } from './split-update.ts'

const SYNC_FRAMES = new Set<number>([MESSAGE_TYPE.SYNC, MESSAGE_TYPE.SYNC_REPLY])
const UPDATE_SUBTYPES = new Set<number>([SYNC_MESSAGE_TYPE.STEP2, SYNC_MESSAGE_TYPE.UPDATE])

/** `[frame]`, or the frames carrying the pieces of its update when that is over `maxUpdateBytes`. */
export function splitUpdateFrame(frame: Uint8Array, maxUpdateBytes: number): Uint8Array[] {
  if (frame.byteLength <= maxUpdateBytes) return [frame]
  const decoder = decoding.createDecoder(frame)
  const documentName = decoding.readVarString(decoder)
  const type = decoding.readVarUint(decoder)
  if (!SYNC_FRAMES.has(type)) return [frame]
  const subtype = decoding.readVarUint(decoder)
  if (!UPDATE_SUBTYPES.has(subtype)) return [frame]
  const pieces = splitUpdate(decoding.readVarUint8Array(decoder), maxUpdateBytes)
  if (pieces.length === 1) return [frame]
  return pieces.map((piece) => {
    const encoder = encoding.createEncoder()
    encoding.writeVarString(encoder, documentName)
    encoding.writeVarUint(encoder, type)
    encoding.writeVarUint(encoder, subtype)
    encoding.writeVarUint8Array(encoder, piece)
    return encoding.toUint8Array(encoder)
  })
}
