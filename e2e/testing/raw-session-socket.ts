/**
 * A bare WebSocket speaking the Hocuspocus 4 frame format (PROTOCOL.md §2.2) for attack tests: it sends exactly the
 * bytes a test crafts — forged updates, foreign awareness — with no provider to correct them, and records what the
 * server answers (auth result, sync status, stateless notices, close message, socket close).
 *
 *   const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token })
 *   raw.sendUpdate(craftedUpdate)
 *   expect((await raw.waitForFrame('sync-status')).applied).toBe(false)
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import WebSocket from 'ws'
import { encodeAwarenessUpdate, Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { AUTH_MESSAGE_TYPE, MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import { authFrame, encodeFrame, syncFrame } from './crafted-frames.ts'

/** A frame the server sent, decoded. */
export type ServerFrame =
  | { readonly type: 'authenticated'; readonly scope: string }
  | { readonly type: 'permission-denied'; readonly reason: string }
  | { readonly type: 'sync'; readonly step: number; readonly payload: Uint8Array }
  | { readonly type: 'sync-status'; readonly applied: boolean }
  | { readonly type: 'close-message'; readonly reason: string }
  | { readonly type: 'awareness'; readonly payload: Uint8Array }
  | { readonly type: 'stateless'; readonly payload: string }
  | { readonly type: 'other'; readonly messageType: number }

/** An open raw session connection. */
export interface RawSessionSocket {
  readonly frames: readonly ServerFrame[]
  /** Resolves with the socket's close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>
  /** Resolves with the first frame matching `predicate` (already received or future). */
  waitForFrame<T extends ServerFrame['type']>(
    type: T,
    timeoutMs?: number,
    where?: (frame: Extract<ServerFrame, { type: T }>) => boolean,
  ): Promise<Extract<ServerFrame, { type: T }>>
  /** The session as the server sent it in its sync step 2 (the answer to our step 1). */
  serverState(): Promise<Uint8Array>
  sendAuth(token: string): void
  sendSyncStep1(stateVector: Uint8Array): void
  sendSyncStep2(update: Uint8Array): void
  sendUpdate(update: Uint8Array): void
  sendAwareness(update: Uint8Array): void
  sendStateless(payload: string): void
  /** Sends `frame` exactly as given. */
  sendBytes(frame: Uint8Array): void
  close(): void
}

/** Opens a socket, sends Auth with `token` and an empty sync step 1, and resolves once authentication answered. */
export async function connectRawSession(options: {
  url: string
  sessionId: string
  token: string
  skipSync?: boolean
}): Promise<RawSessionSocket> {
  const ws = new WebSocket(options.url)
  ws.binaryType = 'nodebuffer'
  ws.on('error', () => undefined) // reason: failures surface as the close event
  const frames: ServerFrame[] = []
  const listeners = new Set<() => void>()
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
    })
  })
  ws.on('message', (data: Buffer) => {
    const frame = decodeServerFrame(new Uint8Array(data))
    if (frame === undefined) return
    frames.push(frame)
    for (const listener of listeners) listener()
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve()
    })
    ws.once('close', () => {
      reject(new Error('socket closed before opening'))
    })
  })
  const frame = (type: number, write: (encoder: encoding.Encoder) => void): void => {
    ws.send(encodeFrame(options.sessionId, type, write))
  }
  const sync = (step: number, payload: Uint8Array): void => {
    ws.send(syncFrame(options.sessionId, step, payload))
  }
  const socket: RawSessionSocket = {
    frames,
    closed,
    waitForFrame: (type, timeoutMs = 5_000, where = () => true) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = frames.find((candidate) => candidate.type === type && where(candidate as never))
          if (found === undefined) return false
          listeners.delete(listener)
          clearTimeout(timer)
          resolve(found as never)
          return true
        }
        const listener = (): void => {
          check()
        }
        const timer = setTimeout(() => {
          listeners.delete(listener)
          reject(
            new Error(
              `no ${type} frame within ${timeoutMs} ms; got ${frames.map((candidate) => candidate.type).join(', ')}`,
            ),
          )
        }, timeoutMs)
        listeners.add(listener)
        check()
      }),
    serverState: async () =>
      (await socket.waitForFrame('sync', 5_000, (candidate) => candidate.step === SYNC_MESSAGE_TYPE.STEP2)).payload,
    sendAuth: (token) => {
      ws.send(authFrame(options.sessionId, token))
    },
    sendSyncStep1: (stateVector) => {
      sync(SYNC_MESSAGE_TYPE.STEP1, stateVector)
    },
    sendSyncStep2: (update) => {
      sync(SYNC_MESSAGE_TYPE.STEP2, update)
    },
    sendUpdate: (update) => {
      sync(SYNC_MESSAGE_TYPE.UPDATE, update)
    },
    sendAwareness: (update) => {
      frame(MESSAGE_TYPE.AWARENESS, (encoder) => {
        encoding.writeVarUint8Array(encoder, update)
      })
    },
    sendStateless: (payload) => {
      frame(MESSAGE_TYPE.STATELESS, (encoder) => {
        encoding.writeVarString(encoder, payload)
      })
    },
    sendBytes: (bytes) => {
      ws.send(bytes)
    },
    close: () => {
      ws.close()
    },
  }
  socket.sendAuth(options.token)
  if (options.skipSync !== true) socket.sendSyncStep1(Y.encodeStateVector(new Y.Doc()))
  await Promise.race([socket.waitForFrame('authenticated'), socket.waitForFrame('permission-denied')])
  return socket
}

/** An awareness update publishing `state` for `clientId`. */
export function encodeAwarenessState(clientId: number, state: Record<string, unknown>): Uint8Array {
  const doc = new Y.Doc()
  doc.clientID = clientId
  const awareness = new Awareness(doc)
  awareness.setLocalState(state)
  const update = encodeAwarenessUpdate(awareness, [clientId])
  awareness.destroy()
  doc.destroy()
  return update
}

/** A frame the server sends (on a raw socket, or to a connection of its own), decoded; undefined for a ping. */
export function decodeServerFrame(data: Uint8Array): ServerFrame | undefined {
  if (data.length === 1) return undefined // connection-level ping
  const decoder = decoding.createDecoder(data)
  decoding.readVarString(decoder)
  const type = decoding.readVarUint(decoder)
  switch (type) {
    case MESSAGE_TYPE.AUTH: {
      const sub = decoding.readVarUint(decoder)
      if (sub === AUTH_MESSAGE_TYPE.AUTHENTICATED)
        return { type: 'authenticated', scope: decoding.readVarString(decoder) }
      if (sub === AUTH_MESSAGE_TYPE.PERMISSION_DENIED)
        return { type: 'permission-denied', reason: decoding.readVarString(decoder) }
      return { type: 'other', messageType: type }
    }
    case MESSAGE_TYPE.SYNC:
    case 4: {
      // SyncReply
      const step = decoding.readVarUint(decoder)
      return { type: 'sync', step, payload: decoding.readVarUint8Array(decoder) }
    }
    case MESSAGE_TYPE.SYNC_STATUS:
      return { type: 'sync-status', applied: decoding.readVarUint(decoder) === 1 }
    case MESSAGE_TYPE.CLOSE:
      return { type: 'close-message', reason: decoding.readVarString(decoder) }
    case MESSAGE_TYPE.AWARENESS:
      return { type: 'awareness', payload: decoding.readVarUint8Array(decoder) }
    case MESSAGE_TYPE.STATELESS:
      return { type: 'stateless', payload: decoding.readVarString(decoder) }
    default:
      return { type: 'other', messageType: type }
  }
}
