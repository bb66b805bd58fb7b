/**
 * A fuzz connection: a bare WebSocket that sends whatever bytes it is given and counts what the server answers —
 * authentication results, acknowledgements (SyncStatus), sync answers and closes — without trusting any of it to
 * decode (the server's frames are checked only by their first bytes). The Yjs updates the server sends (sync answers
 * and broadcasts) go to `onUpdate`, so a fuzz worker can follow the session without asking for all of it.
 */
import * as decoding from 'lib0/decoding'
import WebSocket from 'ws'
import { MESSAGE_TYPE, SYNC_MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'

/** What one fuzz connection saw. */
export interface FuzzSocket {
  readonly authenticated: boolean
  readonly denied: boolean
  /** SyncStatus(true) frames received: updates the server acknowledged. */
  readonly acknowledged: number
  /** Sync step 2 frames received (answers to step 1 probes). */
  readonly syncAnswers: number
  /** The close message or socket close reason once the server ended the connection. */
  readonly closedBy: string | undefined
  send(frame: Uint8Array): void
  /** Resolves true once `predicate` holds, false after `timeoutMs` or when the socket is gone and it still does not. */
  until(predicate: () => boolean, timeoutMs: number): Promise<boolean>
  /** Closes the socket (if open) and resolves once it is closed. */
  close(): Promise<void>
}

/**
 * Opens a socket to `url`; resolves undefined when it cannot open within `timeoutMs`. `onUpdate` receives the update
 * of every sync step 2 and update frame the server sends.
 */
export async function openFuzzSocket(
  url: string,
  timeoutMs: number,
  onUpdate: (update: Uint8Array) => void,
): Promise<FuzzSocket | undefined> {
  const ws = new WebSocket(url)
  ws.binaryType = 'nodebuffer'
  ws.on('error', () => undefined) // reason: every failure also ends in the close event
  const listeners = new Set<() => void>()
  const notify = (): void => {
    for (const listener of [...listeners]) listener()
  }
  const state: ReadState & { open: boolean } = {
    authenticated: false,
    denied: false,
    acknowledged: 0,
    syncAnswers: 0,
    closedBy: undefined,
    open: true,
  }
  const socketClosed = new Promise<void>((resolve) => {
    ws.on('close', (code, reason) => {
      state.open = false
      state.closedBy ??= reason.length > 0 ? reason.toString() : `close ${code}`
      notify()
      resolve()
    })
  })
  ws.on('message', (data: Buffer) => {
    read(new Uint8Array(data), state, onUpdate)
    notify()
  })
  const until = (predicate: () => boolean, limitMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!predicate() && state.open) return
        listeners.delete(check)
        clearTimeout(timer)
        resolve(predicate())
      }
      const timer = setTimeout(() => {
        listeners.delete(check)
        resolve(predicate())
      }, limitMs)
      listeners.add(check)
      check()
    })
  const opened = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      resolve(false)
    }, timeoutMs)
    ws.once('open', () => {
      clearTimeout(timer)
      resolve(true)
    })
    ws.once('close', () => {
      clearTimeout(timer)
      resolve(false)
    })
  })
  if (!opened) {
    ws.terminate()
    return undefined
  }
  return {
    get authenticated() {
      return state.authenticated
    },
    get denied() {
      return state.denied
    },
    get acknowledged() {
      return state.acknowledged
    },
    get syncAnswers() {
      return state.syncAnswers
    },
    get closedBy() {
      return state.closedBy
    },
    send(frame) {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame)
    },
    until,
    async close() {
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate()
      await socketClosed
    },
  }
}

interface ReadState {
  authenticated: boolean
  denied: boolean
  acknowledged: number
  syncAnswers: number
  closedBy: string | undefined
}

function read(data: Uint8Array, state: ReadState, onUpdate: (update: Uint8Array) => void): void {
  try {
    const decoder = decoding.createDecoder(data)
    decoding.readVarString(decoder)
    const type = decoding.readVarUint(decoder)
    if (type === MESSAGE_TYPE.AUTH) {
      const result = decoding.readVarUint(decoder)
      if (result === 2) state.authenticated = true
      if (result === 1) state.denied = true
    } else if (type === MESSAGE_TYPE.SYNC_STATUS) {
      if (decoding.readVarUint(decoder) === 1) state.acknowledged++
    } else if (type === MESSAGE_TYPE.SYNC || type === MESSAGE_TYPE.SYNC_REPLY) {
      const syncType = decoding.readVarUint(decoder)
      if (syncType === SYNC_MESSAGE_TYPE.STEP2) state.syncAnswers++
      if (syncType === SYNC_MESSAGE_TYPE.STEP2 || syncType === SYNC_MESSAGE_TYPE.UPDATE)
        onUpdate(decoding.readVarUint8Array(decoder))
    } else if (type === MESSAGE_TYPE.CLOSE) {
      state.closedBy ??= decoding.readVarString(decoder)
    }
  } catch {
    // reason: a one-byte ping, a frame we do not read or an update the follower cannot take; the counters are all the fuzz needs
  }
}
