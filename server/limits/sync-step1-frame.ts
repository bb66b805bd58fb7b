/**
 * Sync frames the server answers itself (enforce-budgets.ts, PROTOCOL.md §2.3): reading the state vector of an
 * inbound sync step 1, and writing the server's step 1 and step 2 frames exactly as Hocuspocus writes them
 * (`MessageReceiver.readSyncMessage` in @hocuspocus/server).
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'

/** An inbound sync step 1. */
export interface SyncStep1Frame {
  /** Index of the frame's one-byte type. */
  readonly typeOffset: number
  /** The state vector it carries, as encoded on the wire (a view into the frame). */
  readonly stateVector: Uint8Array
}

/**
 * The sync step 1 `frame` carries (in a SYNC or SYNC_REPLY frame), or undefined for any other frame, and for a step 1
 * whose type is not written as one byte or that ends early (Hocuspocus handles those itself).
 */
export function readSyncStep1Frame(frame: Uint8Array): SyncStep1Frame | undefined {
  try {
    const decoder = decoding.createDecoder(frame)
    decoding.readVarString(decoder)
    const typeOffset = decoder.pos
    const type = decoding.readVarUint(decoder)
    if ((type !== MESSAGE_TYPE.SYNC && type !== MESSAGE_TYPE.SYNC_REPLY) || decoder.pos !== typeOffset + 1)
      return undefined
    if (decoding.readVarUint(decoder) !== SYNC_MESSAGE_TYPE.STEP1) return undefined
    return { typeOffset, stateVector: decoding.readVarUint8Array(decoder) }
  } catch {
    return undefined // reason: lib0 throws on a read past the end or an invalid string; Hocuspocus refuses the frame
  }
}

/** A SYNC frame to `address` carrying one sync message of `syncType` (SYNC_MESSAGE_TYPE) with `payload`. */
export function encodeSyncFrame(address: string, syncType: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, address)
  encoding.writeVarUint(encoder, MESSAGE_TYPE.SYNC)
  encoding.writeVarUint(encoder, syncType)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}
