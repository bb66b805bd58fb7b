/**
 * The limits extension's guard against frames a closed connection still has queued: run through Hocuspocus' own hook
 * runner, it turns each into a close message that no later hook or handler reads (a client closing with frames in
 * flight is routine: a refusal would make Hocuspocus log an error), refuses with CONNECTION_CLOSED a frame whose type
 * it cannot rewrite, without a log line of its hooks, and lets an open connection's frames through.
 */
import { Document, Hocuspocus, type beforeHandleMessagePayload, type Connection } from '@hocuspocus/server'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { encodeFrame, syncFrame } from '../../e2e/testing/crafted-frames.ts'
import { ERROR_CODES } from '../../shared/errors/error-codes.ts'
import { DEFAULT_SESSION_LIMITS } from '../../shared/limits/session-limits.ts'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { readFrameHeader } from '../transports/read-frame-header.ts'
import { createEnforceLimits } from './enforce-limits.ts'
import { createUpdateRefusals } from './update-refusals.ts'

afterEach(() => {
  vi.restoreAllMocks()
})

/** The guard, then two more extensions with the hook (the second calls `seen` with each frame it is handed). */
function hooksWith(seen: (frame: Uint8Array) => void = () => undefined): Hocuspocus {
  const limits = createEnforceLimits({
    limits: DEFAULT_SESSION_LIMITS,
    onSecurityEvent: () => undefined,
    refusals: createUpdateRefusals(),
    presenceTimeoutMs: 15_000,
  })
  // Two more extensions with the hook after it: the runner prints a failure once per extension from the thrower on.
  const passThrough = { async beforeHandleMessage() {} }
  const watching = {
    async beforeHandleMessage({ update }: beforeHandleMessagePayload) {
      seen(update)
    },
  }
  return new Hocuspocus({ extensions: [limits, passThrough, watching] })
}

/** An update frame, which a closed connection must not get applied. */
const UPDATE_FRAME = syncFrame('s', SYNC_MESSAGE_TYPE.UPDATE, Y.encodeStateAsUpdate(new Y.Doc()))

function payloadFor(document: Document, connection: Connection, update = UPDATE_FRAME): beforeHandleMessagePayload {
  return { document, connection, documentName: document.name, update } as unknown as beforeHandleMessagePayload
}

describe('frames of a closed connection', () => {
  it('become close messages, quietly, whatever they carried', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const document = new Document('s')
    const closed = {} as Connection
    const types: Array<number | undefined> = []
    const hooks = hooksWith((frame) => types.push(readFrameHeader(frame)?.type))
    const presence = new Awareness(new Y.Doc())
    presence.setLocalState({ name: 'a device coming back' })
    const queued = [
      UPDATE_FRAME,
      syncFrame('s', SYNC_MESSAGE_TYPE.STEP1, Y.encodeStateVector(new Y.Doc())),
      encodeFrame('s', MESSAGE_TYPE.AWARENESS, (encoder) => {
        encoding.writeVarUint8Array(encoder, encodeAwarenessUpdate(presence, [presence.clientID]))
      }),
      encodeFrame('s', MESSAGE_TYPE.CLOSE),
    ]
    for (const frame of queued) await hooks.hooks('beforeHandleMessage', payloadFor(document, closed, frame))
    expect(types).toEqual(queued.map(() => MESSAGE_TYPE.CLOSE))
    expect(errors).not.toHaveBeenCalled()
  })

  it('are refused with CONNECTION_CLOSED and nothing logged when their type cannot be rewritten', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const document = new Document('s')
    const closed = {} as Connection
    const encoder = encoding.createEncoder()
    encoding.writeVarString(encoder, 's')
    encoding.writeUint8(encoder, 0x80 | MESSAGE_TYPE.CLOSE) // the close type padded to two bytes, as no client writes it
    encoding.writeUint8(encoder, 0)
    const padded = encoding.toUint8Array(encoder)
    await expect(hooksWith().hooks('beforeHandleMessage', payloadFor(document, closed, padded))).rejects.toMatchObject({
      code: ERROR_CODES.CONNECTION_CLOSED.closeCode,
      reason: 'CONNECTION_CLOSED',
    })
    expect(errors).not.toHaveBeenCalled()
  })

  it('pass while the connection is open', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const document = new Document('s')
    const open = {} as Connection
    document.addConnection(open)
    await hooksWith().hooks('beforeHandleMessage', payloadFor(document, open))
    expect(errors).not.toHaveBeenCalled()
  })
})
