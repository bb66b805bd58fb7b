/**
 * StoppableProviderWebsocket: the Hocuspocus provider's socket manager with a stop that holds. When a socket closes,
 * HocuspocusProviderWebsocket schedules its reconnect (a timer calling `connect()`, which turns reconnecting back on)
 * before any 'close' listener runs, so a `disconnect()` from the listener that reads a non-retryable close code
 * (SESSION_DELETED, FORBIDDEN, …) does not stop it: the client would reconnect and, for a deleted session, create it
 * again. Once stopped, `connect()` does nothing.
 */
import { HocuspocusProviderWebsocket } from '@hocuspocus/provider'

/** Stopped instances. Not a class field: the base constructor calls `connect()` before fields are initialised. */
const stopped = new WeakSet<HocuspocusProviderWebsocket>()

export class StoppableProviderWebsocket extends HocuspocusProviderWebsocket {
  override async connect(): Promise<unknown> {
    if (stopped.has(this)) return undefined
    return await super.connect()
  }

  /** Disconnects for good: no scheduled or later reconnect opens a socket. */
  stop(): void {
    stopped.add(this)
    this.disconnect()
  }
}
