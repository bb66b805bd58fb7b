import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { AUTH_MESSAGE_TYPE, MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { findFrameFault } from './find-frame-fault.ts'

function frame(type: number, write: (encoder: encoding.Encoder) => void = () => undefined): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, 's_abc')
  encoding.writeVarUint(encoder, type)
  write(encoder)
  return encoding.toUint8Array(encoder)
}

const sync = (syncType: number, payload: Uint8Array): Uint8Array =>
  frame(MESSAGE_TYPE.SYNC, (encoder) => {
    encoding.writeVarUint(encoder, syncType)
    encoding.writeVarUint8Array(encoder, payload)
  })

function awarenessPayload(state: string): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint(encoder, 42)
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarString(encoder, state)
  return encoding.toUint8Array(encoder)
}

const doc = new Y.Doc()
doc.getMap('meta').set('title', 'x')
const update = Y.encodeStateAsUpdate(doc)

describe('findFrameFault', () => {
  it('passes every frame a client sends', () => {
    const frames = [
      sync(SYNC_MESSAGE_TYPE.STEP1, Y.encodeStateVector(doc)),
      sync(SYNC_MESSAGE_TYPE.STEP2, update),
      sync(SYNC_MESSAGE_TYPE.UPDATE, update),
      frame(MESSAGE_TYPE.SYNC_REPLY, (encoder) => {
        encoding.writeVarUint(encoder, SYNC_MESSAGE_TYPE.STEP2)
        encoding.writeVarUint8Array(encoder, update)
      }),
      frame(MESSAGE_TYPE.AWARENESS, (encoder) => {
        encoding.writeVarUint8Array(encoder, awarenessPayload('{"member":{"principalId":"alice"}}'))
      }),
      frame(MESSAGE_TYPE.AUTH, (encoder) => {
        encoding.writeVarUint(encoder, AUTH_MESSAGE_TYPE.TOKEN)
        encoding.writeVarString(encoder, 'token')
      }),
      frame(MESSAGE_TYPE.AUTH, (encoder) => {
        encoding.writeVarUint(encoder, AUTH_MESSAGE_TYPE.TOKEN)
        encoding.writeVarString(encoder, '')
        encoding.writeVarString(encoder, '4.7.0')
      }),
      frame(MESSAGE_TYPE.STATELESS, (encoder) => {
        encoding.writeVarString(encoder, '{}')
      }),
      frame(MESSAGE_TYPE.QUERY_AWARENESS),
      frame(MESSAGE_TYPE.CLOSE),
    ]
    expect(frames.map(findFrameFault)).toEqual(frames.map(() => undefined))
  })

  it('finds no header in random bytes and in frames cut inside their header', () => {
    expect(
      findFrameFault(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2]))?.reason,
    ).toBe('NO_HEADER')
    expect(findFrameFault(new Uint8Array([10]))?.reason).toBe('NO_HEADER')
    expect(findFrameFault(frame(MESSAGE_TYPE.SYNC))?.reason).toBe('NO_HEADER')
  })

  it("finds a header naming an invalid session id, and reads the id only up to a provider's \\0 suffix", () => {
    const named = (sessionId: string): Uint8Array => {
      const encoder = encoding.createEncoder()
      encoding.writeVarString(encoder, sessionId)
      encoding.writeVarUint(encoder, MESSAGE_TYPE.QUERY_AWARENESS)
      return encoding.toUint8Array(encoder)
    }
    for (const sessionId of ['', 'bad id!', 'x'.repeat(129), '\0s_abc'])
      expect(findFrameFault(named(sessionId))?.reason, sessionId).toBe('INVALID_SESSION_ID')
    expect(findFrameFault(named('s_abc\0provider-session'))).toBeUndefined()
  })

  it('finds a frame cut inside its body', () => {
    const whole = sync(SYNC_MESSAGE_TYPE.STEP2, update)
    expect(findFrameFault(whole.subarray(0, whole.byteLength - 1))).toMatchObject({
      reason: 'TRUNCATED',
      header: { sessionId: 's_abc', type: MESSAGE_TYPE.SYNC },
    })
    expect(findFrameFault(frame(MESSAGE_TYPE.AWARENESS))?.reason).toBe('TRUNCATED')
    expect(
      findFrameFault(
        frame(MESSAGE_TYPE.AUTH, (encoder) => {
          encoding.writeVarUint(encoder, AUTH_MESSAGE_TYPE.TOKEN)
          encoding.writeVarUint(encoder, 30)
        }),
      )?.reason,
    ).toBe('TRUNCATED')
    expect(findFrameFault(frame(MESSAGE_TYPE.STATELESS))?.reason).toBe('TRUNCATED')
  })

  it('finds bodies whose fields are whole but do not decode', () => {
    expect(findFrameFault(sync(SYNC_MESSAGE_TYPE.STEP1, new Uint8Array([5, 1])))?.reason).toBe('MALFORMED')
    expect(
      findFrameFault(
        frame(MESSAGE_TYPE.AWARENESS, (encoder) => {
          encoding.writeVarUint8Array(encoder, awarenessPayload('{not json'))
        }),
      )?.reason,
    ).toBe('MALFORMED')
    expect(
      findFrameFault(
        frame(MESSAGE_TYPE.STATELESS, (encoder) => {
          encoding.writeVarUint8Array(encoder, new Uint8Array([0xc3, 0x28]))
        }),
      )?.reason,
    ).toBe('MALFORMED')
    // A length prefix past the safe-integer range.
    expect(
      findFrameFault(
        frame(MESSAGE_TYPE.AWARENESS, (encoder) => {
          encoding.writeUint8Array(
            encoder,
            new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
          )
        }),
      )?.reason,
    ).toBe('MALFORMED')
  })

  it('finds types clients do not send', () => {
    expect(findFrameFault(frame(77))?.reason).toBe('UNKNOWN_TYPE')
    expect(
      findFrameFault(
        frame(MESSAGE_TYPE.SYNC_STATUS, (encoder) => {
          encoding.writeVarUint(encoder, 1)
        }),
      )?.reason,
    ).toBe('UNKNOWN_TYPE')
    expect(findFrameFault(sync(9, new Uint8Array([0])))?.reason).toBe('UNKNOWN_TYPE')
    expect(
      findFrameFault(
        frame(MESSAGE_TYPE.AUTH, (encoder) => {
          encoding.writeVarUint(encoder, AUTH_MESSAGE_TYPE.AUTHENTICATED)
          encoding.writeVarString(encoder, 'x')
        }),
      )?.reason,
    ).toBe('UNKNOWN_TYPE')
  })

  it('leaves the bytes of an update to the durable log, and ignores bytes after a whole body', () => {
    expect(findFrameFault(sync(SYNC_MESSAGE_TYPE.UPDATE, new Uint8Array([5, 200, 3, 9])))).toBeUndefined()
    const withTail = new Uint8Array([...frame(MESSAGE_TYPE.QUERY_AWARENESS), 1, 2, 3])
    expect(findFrameFault(withTail)).toBeUndefined()
  })
})
