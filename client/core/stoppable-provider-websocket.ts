/**
 * StoppableProviderWebsocket: the Hocuspocus provider's socket manager with a stop that holds, a way to drop a
 * connection at once, and updates cut to the server's size limit.
 *
 * - Stop: when a socket closes, HocuspocusProviderWebsocket schedules its reconnect (a timer calling `connect()`, which
 *   turns reconnecting back on) before any 'close' listener runs, so a `disconnect()` from the listener that reads a
 *   non-retryable close code (SESSION_DELETED, FORBIDDEN, …) does not stop it: the client would reconnect and, for a
 *   deleted session, create it again. Once stopped, `connect()` does nothing.
 * - Connect while closing: a `connect()` after `disconnect()` but before the socket's close event would otherwise be
 *   lost (the base still reads "connected"), leaving the client offline for good; it drops the closing socket instead.
 * - Drop: a connection that went silent, or a browser that went offline, may never deliver a close event (Chromium
 *   holds an open WebSocket's frames while offline). `dropConnection()` gives up on it at once and reconnects.
 * - Limit: a sync frame whose update is over `maxUpdateBytes` (an offline backlog in one sync step 2) goes out as
 *   several frames that fit (split-update-frame.ts), so the server never refuses it for its size.
 * - One retry loop: the base forgets a connection's retry loop when its socket opens. When that socket then closes
 *   before the server's first frame (a server killed or restarting), the loop retries while the close starts a second
 *   loop; the later of the two replaced the other's socket without reporting its close, so the provider went on
 *   believing it was synced and the new connection's sync never said so. A new loop now cancels the earlier one.
 */
import { HocuspocusProviderWebsocket, WebSocketStatus } from '@hocuspocus/provider'
import { CLOSE_CODES } from '../../shared/protocol/close-codes.ts'
import { splitUpdateFrame } from './split-update-frame.ts'

/** Stopped instances. Not a class field: the base constructor calls `connect()` before fields are initialised. */
const stopped = new WeakSet<HocuspocusProviderWebsocket>()
/** The update size limit of each instance (a getter: the server announces its own after connecting). */
const updateLimits = new WeakMap<HocuspocusProviderWebsocket, () => number>()
/** The cancel of the retry loop whose socket opened last, which the base forgets at the open. */
const openedRetries = new WeakMap<HocuspocusProviderWebsocket, () => void>()

export class StoppableProviderWebsocket extends HocuspocusProviderWebsocket {
  override async connect(): Promise<unknown> {
    if (stopped.has(this)) return undefined
    if (this.status === WebSocketStatus.Connected && !this.shouldConnect) {
      // A disconnect() whose close has not arrived: the base sees "connected" and does nothing, and the close then
      // finds no reason to reconnect. Give up on the closing socket now; its close reconnects after the delay.
      this.shouldConnect = true
      this.dropConnection()
      return undefined
    }
    // The base does nothing while connected; otherwise it starts a retry loop, and none may run beside it.
    if (this.status !== WebSocketStatus.Connected) {
      openedRetries.get(this)?.()
      openedRetries.delete(this)
    }
    return await super.connect()
  }

  override async onOpen(event: Event): Promise<void> {
    if (this.cancelWebsocketRetry !== undefined) openedRetries.set(this, this.cancelWebsocketRetry)
    await super.onOpen(event)
  }

  /** Disconnects for good: no scheduled or later reconnect opens a socket. */
  stop(): void {
    stopped.add(this)
    this.disconnect()
  }

  /** Sends sync frames whose update is over `maxUpdateBytes()` as several that fit. */
  limitUpdates(maxUpdateBytes: () => number): void {
    updateLimits.set(this, maxUpdateBytes)
  }

  override send(message: unknown): void {
    const limit = updateLimits.get(this)?.()
    if (limit === undefined || !(message instanceof Uint8Array)) {
      super.send(message)
      return
    }
    for (const frame of splitUpdateFrame(message, limit)) super.send(frame)
  }

  /**
   * Gives up on the current connection without waiting for its close handshake (reported as a close with
   * CLOSE_CODES.CONNECTION_LOST) and reconnects with backoff. Does nothing while not connected.
   */
  dropConnection(): void {
    if (this.webSocket === null || this.status === WebSocketStatus.Disconnected) return
    // As the socket's own close event would: the manager and every attached provider reset their connection state.
    this.emit('close', { event: { code: CLOSE_CODES.CONNECTION_LOST, reason: '' } })
  }
}
