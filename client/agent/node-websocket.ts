/**
 * The `ws` WebSocket for Node clients, with an `error` listener always attached. `ws` emits `error` when a
 * socket is closed while still connecting, which the Hocuspocus provider does on reconnect after removing its
 * own listeners; without a listener that event would crash the process. Failures still reach the provider as
 * `close` events.
 */
import WebSocket from 'ws'

/** Drop-in WebSocket class for createSessionClient in Node. */
export class NodeWebSocket extends WebSocket {
  constructor(url: string) {
    super(url)
    this.on('error', () => undefined) // reason: reported to the provider by the close event that follows
  }
}
