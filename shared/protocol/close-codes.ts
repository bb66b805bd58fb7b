/**
 * WebSocket close codes that are not an error code's (those live in `shared/errors/error-codes.ts`): the standard
 * codes Lifeline closes with when nothing went wrong, and the code of a fallback connection ending because
 * WebSockets work again (PROTOCOL.md §7.5). Both transports use them: the HTTP fallback reports them in its `close`
 * event like a WebSocket would.
 */

/** Close codes without an error code. */
export const CLOSE_CODES = {
  /** The peer is done with the connection (a client closed it, a probe answered). */
  NORMAL: 1000,
  /** The server is shutting down, or dropped an idle fallback connection. */
  GOING_AWAY: 1001,
  /**
   * The connection was lost without a close frame (the WebSocket standard's "abnormal closure"). Never sent: a client
   * reports it locally when it gives up on a connection that went silent or when the browser went offline.
   */
  CONNECTION_LOST: 1006,
  /** A fallback connection ends because WebSockets get through again; the provider reconnects over a WebSocket. */
  TRANSPORT_UPGRADE: 4000,
} as const
