/**
 * Reads the header of an inbound Hocuspocus frame (PROTOCOL.md §2.2) without touching its body: the session id, the
 * frame type and, for sync frames, the y-protocols sub-type. Transports and limits use it to classify a frame before
 * Hocuspocus decodes it.
 */
import * as decoding from 'lib0/decoding'
import { MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'

/** What a frame says about itself before its body. */
export interface FrameHeader {
  readonly sessionId: string
  /** One of MESSAGE_TYPE's values (or an unknown number). */
  readonly type: number
  /** Index of the type in the frame when it is written in one byte, as every client writes it; else undefined. */
  readonly typeOffset: number | undefined
  /** For SYNC and SYNC_REPLY frames: one of SYNC_MESSAGE_TYPE's values (or an unknown number). */
  readonly syncType?: number
  /** Bytes after the header: the body Hocuspocus reads. */
  readonly bodyBytes: number
}

/** The frame's header, or undefined when the frame ends before its header does (garbage or truncated bytes). */
export function readFrameHeader(frame: Uint8Array): FrameHeader | undefined {
  try {
    const decoder = decoding.createDecoder(frame)
    const sessionId = decoding.readVarString(decoder)
    const start = decoder.pos
    const type = decoding.readVarUint(decoder)
    const typeOffset = decoder.pos === start + 1 ? start : undefined
    if (type !== MESSAGE_TYPE.SYNC && type !== MESSAGE_TYPE.SYNC_REPLY) {
      return { sessionId, type, typeOffset, bodyBytes: frame.byteLength - decoder.pos }
    }
    const syncType = decoding.readVarUint(decoder)
    return { sessionId, type, typeOffset, syncType, bodyBytes: frame.byteLength - decoder.pos }
  } catch {
    return undefined // reason: lib0 throws on a read past the end or an invalid string; such a frame has no header
  }
}
