/**
 * What a transport hands Hocuspocus as the initial connection context (`handleConnection(socket, request,
 * context)`): a way to close the underlying socket with a close code, which hooks use where Hocuspocus itself only
 * sends a frame, e.g. after a failed authentication (PROTOCOL.md §8.2); and, on a WebSocket, a way to hold the
 * frames sent to the connection until the running microtasks are done, so the frames they send leave in one write.
 */

import type { Connection } from '@hocuspocus/server'
import type { SessionError } from '../../shared/errors/session-error.ts'
import type { ConnectionTrace } from '../observe/trace-connections.ts'

/** The transport part of a connection's context. */
export interface TransportContext {
  /** Closes the socket (or HTTP fallback connection) with `code` and `reason`. */
  readonly closeTransport: (code: number, reason: string) => void
  /** Which transport carries the connection (for logs). */
  readonly transport?: 'websocket' | 'http-fallback'
  /** The connection's span (server/observe/trace-connections.ts), when the server traces connections. */
  readonly trace?: ConnectionTrace
  /**
   * Holds the frames sent to this connection until the microtasks queued so far (and those they queue) have run,
   * then writes them to the socket together: one system call instead of one per frame. Frames to other connections
   * are not held. Absent on transports without such a buffer (the HTTP fallback).
   */
  readonly holdWrites?: () => void
}

/** The transport named in a connection context, when its transport provided one. */
export function transportOf(context: unknown): TransportContext['transport'] {
  if (typeof context !== 'object' || context === null) return undefined
  const transport = (context as Partial<TransportContext>).transport
  return transport === 'websocket' || transport === 'http-fallback' ? transport : undefined
}

/** The span a transport opened for the connection of a context, if any. */
export function connectionTraceOf(context: unknown): ConnectionTrace | undefined {
  if (typeof context !== 'object' || context === null) return undefined
  return (context as Partial<TransportContext>).trace
}

/** The holdWrites function of a connection context, when its transport provided one. */
export function holdWritesOf(context: unknown): TransportContext['holdWrites'] {
  if (typeof context !== 'object' || context === null) return undefined
  const hold = (context as Partial<TransportContext>).holdWrites
  return typeof hold === 'function' ? hold : undefined
}

/** The closeTransport function of a connection context, when its transport provided one. */
export function closeTransportOf(context: unknown): TransportContext['closeTransport'] | undefined {
  if (typeof context !== 'object' || context === null) return undefined
  const close = (context as Partial<TransportContext>).closeTransport
  return typeof close === 'function' ? close : undefined
}

/**
 * Ends a Hocuspocus connection because of `error`: closes its socket with the error's close code and code as the
 * reason (Hocuspocus then closes the connection); without a transport hook, closes the connection only.
 */
export function closeConnectionWith(connection: Connection, error: SessionError): void {
  const closeTransport = closeTransportOf(connection.context)
  if (closeTransport === undefined) connection.close({ code: error.closeCode, reason: error.code })
  else closeTransport(error.closeCode, error.code)
}
