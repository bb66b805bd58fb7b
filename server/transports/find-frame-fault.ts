/**
 * Checks that an inbound frame is one Hocuspocus can read (PROTOCOL.md §2.5) before it reaches Hocuspocus, which
 * mishandles the rest: a frame whose session id does not decode closes the socket as 4401 "Unauthorized" (even on a
 * server without auth); a body that fails to decode only ends the document connection with a "Reset Connection"
 * message and leaves the socket open; an unknown type is logged and ignored (ClientConnection.handleMessage,
 * Connection.processMessages, MessageReceiver.apply in @hocuspocus/server). This reads every field Hocuspocus reads,
 * as Hocuspocus reads it, and checks that the session id is well-formed (PROTOCOL.md §1.1; Hocuspocus would create a
 * session under any string). The bytes of a Yjs update are the one exception: the durable log decodes them
 * (UPDATE_REJECTED, PROTOCOL.md §3.4). Bytes after a well-formed body are ignored, as Hocuspocus ignores them.
 */
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'
import type { BadFrameReason } from '../../shared/protocol/bad-frame-reasons.ts'
import { AUTH_MESSAGE_TYPE, MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { isSessionId, SESSION_ID_PATTERN } from '../../shared/session/session-id.ts'
import { readAwarenessStates } from './read-awareness-states.ts'
import { readFrameHeader, type FrameHeader } from './read-frame-header.ts'

/** What is wrong with a frame. */
export interface FrameFault {
  readonly reason: BadFrameReason
  /** The frame's header, when it has one. */
  readonly header?: FrameHeader
  /** A sentence for logs. */
  readonly message: string
}

/** The fault of `frame`, or undefined when Hocuspocus can read all of it. */
export function findFrameFault(frame: Uint8Array): FrameFault | undefined {
  const header = readFrameHeader(frame)
  if (header === undefined)
    return { reason: 'NO_HEADER', message: 'the frame does not start with a session id and a message type' }
  if (!isSessionId(documentNameOf(header)))
    return { reason: 'INVALID_SESSION_ID', header, message: `session ids must match ${String(SESSION_ID_PATTERN)}` }
  const decoder = decoding.createDecoder(frame)
  decoder.pos = frame.byteLength - header.bodyBytes
  try {
    const unknown = checkBody(decoder, header)
    return unknown === undefined ? undefined : { reason: 'UNKNOWN_TYPE', header, message: unknown }
  } catch (error) {
    // A read past the end of the frame means a cut frame; a bad value (or bad contents of a whole field) a malformed one.
    const truncated =
      !(error instanceof MalformedContents) && error instanceof Error && error.message === LIB0_END_OF_ARRAY
    return truncated
      ? { reason: 'TRUNCATED', header, message: `the frame ends inside its ${typeName(header.type)} body` }
      : {
          reason: 'MALFORMED',
          header,
          message: `the ${typeName(header.type)} body does not decode: ${String(error instanceof MalformedContents ? error.cause : error)}`,
        }
  }
}

/**
 * The session a frame is for: its session id up to a `\0`, after which a Hocuspocus provider may add its own
 * connection's id (Hocuspocus reads the document name the same way).
 */
export function documentNameOf(header: FrameHeader): string {
  return header.sessionId.split('\0', 1)[0] ?? ''
}

/** lib0's message for a read past the end of the bytes (lib0/decoding.js); every other failure is a bad value. */
const LIB0_END_OF_ARRAY = 'Unexpected end of array'

/** A field was read whole but its contents do not decode. */
class MalformedContents extends Error {}

/**
 * Reads the body after `header` as Hocuspocus will.
 * @returns why the type is unknown, or undefined for a readable body
 * @throws when a field runs past the end of the frame or does not decode
 */
function checkBody(decoder: decoding.Decoder, header: FrameHeader): string | undefined {
  switch (header.type) {
    case MESSAGE_TYPE.SYNC:
    case MESSAGE_TYPE.SYNC_REPLY: {
      if (
        header.syncType !== SYNC_MESSAGE_TYPE.STEP1 &&
        header.syncType !== SYNC_MESSAGE_TYPE.STEP2 &&
        header.syncType !== SYNC_MESSAGE_TYPE.UPDATE
      ) {
        return `sync sub-type ${String(header.syncType)} is not step 1, step 2 or update`
      }
      const payload = decoding.readVarUint8Array(decoder)
      if (header.syncType === SYNC_MESSAGE_TYPE.STEP1)
        decodeContents(() => {
          Y.decodeStateVector(payload)
        })
      return undefined
    }
    case MESSAGE_TYPE.AWARENESS: {
      const payload = decoding.readVarUint8Array(decoder)
      decodeContents(() => {
        for (const state of readAwarenessStates(payload)) JSON.parse(state)
      })
      return undefined
    }
    case MESSAGE_TYPE.AUTH: {
      const authType = decoding.readVarUint(decoder)
      if (authType !== AUTH_MESSAGE_TYPE.TOKEN) return `auth sub-type ${authType} is not a token`
      decoding.readVarString(decoder)
      // The provider appends its version; Hocuspocus reads it when present.
      if (decoding.hasContent(decoder)) decoding.readVarString(decoder)
      return undefined
    }
    case MESSAGE_TYPE.STATELESS:
      decoding.readVarString(decoder)
      return undefined
    case MESSAGE_TYPE.QUERY_AWARENESS:
    case MESSAGE_TYPE.CLOSE:
      return undefined
    default:
      return `message type ${header.type} is not one clients send`
  }
}

function decodeContents(decode: () => void): void {
  try {
    decode()
  } catch (cause) {
    throw new MalformedContents('malformed contents', { cause })
  }
}

function typeName(type: number): string {
  const name = Object.entries(MESSAGE_TYPE).find(([, value]) => value === type)?.[0]
  return name === undefined ? `type ${type}` : name.toLowerCase().replace('_', ' ')
}
