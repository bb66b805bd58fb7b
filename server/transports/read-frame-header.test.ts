import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { readFrameHeader } from './read-frame-header.ts'

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

describe('readFrameHeader', () => {
  it('reads the session id, type and sync sub-type of a sync frame', () => {
    const bytes = frame((encoder) => {
      encoding.writeVarString(encoder, 's_abc')
      encoding.writeVarUint(encoder, MESSAGE_TYPE.SYNC)
      encoding.writeVarUint(encoder, SYNC_MESSAGE_TYPE.STEP1)
      encoding.writeVarUint8Array(encoder, new Uint8Array([0]))
    })
    expect(readFrameHeader(bytes)).toEqual({
      sessionId: 's_abc',
      type: MESSAGE_TYPE.SYNC,
      typeOffset: 6,
      syncType: SYNC_MESSAGE_TYPE.STEP1,
      bodyBytes: 2,
    })
  })

  it('reads a frame of another type without a sub-type', () => {
    const bytes = frame((encoder) => {
      encoding.writeVarString(encoder, 's_abc')
      encoding.writeVarUint(encoder, MESSAGE_TYPE.AWARENESS)
      encoding.writeVarUint8Array(encoder, new Uint8Array([1, 2, 3]))
    })
    expect(readFrameHeader(bytes)).toEqual({
      sessionId: 's_abc',
      type: MESSAGE_TYPE.AWARENESS,
      typeOffset: 6,
      bodyBytes: 4,
    })
  })

  it('gives no type offset for a type written in more than one byte', () => {
    const bytes = frame((encoder) => {
      encoding.writeVarString(encoder, 's_abc')
      encoding.writeUint8(encoder, 0x80 | MESSAGE_TYPE.CLOSE) // the same type, padded to two bytes
      encoding.writeUint8(encoder, 0)
    })
    expect(readFrameHeader(bytes)).toEqual({
      sessionId: 's_abc',
      type: MESSAGE_TYPE.CLOSE,
      typeOffset: undefined,
      bodyBytes: 0,
    })
  })

  it('returns undefined for frames that end inside the header', () => {
    expect(readFrameHeader(new Uint8Array([]))).toBeUndefined()
    expect(readFrameHeader(new Uint8Array([200]))).toBeUndefined()
    const truncated = frame((encoder) => {
      encoding.writeVarString(encoder, 's_abc')
      encoding.writeVarUint(encoder, MESSAGE_TYPE.SYNC)
    })
    expect(readFrameHeader(truncated)).toBeUndefined()
  })
})
