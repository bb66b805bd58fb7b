/**
 * WebSocket transport: upgrades requests on ROUTES.WEBSOCKET with `ws` and hands each socket to Hocuspocus'
 * `handleConnection`, feeding it inbound frames and the close event. Other upgrade paths are refused with 404.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Hocuspocus } from '@hocuspocus/server'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { ERROR_CODES } from '../../shared/errors/error-codes.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { CLOSE_CODES } from '../../shared/protocol/close-codes.ts'
import { FALLBACK_ROUTES, WEBSOCKET_PROBE_FRAME } from '../../shared/protocol/http-fallback.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { toFetchRequest } from './to-fetch-request.ts'
import type { TransportContext } from './transport-context.ts'
import type { ConnectionTracing } from '../observe/trace-connections.ts'
import type { FrameGate } from '../limits/frame-gate.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'

/** Options of {@link attachWebSocketTransport}. */
export interface WebSocketTransportOptions {
  readonly httpServer: Server
  readonly hocuspocus: Hocuspocus
  /** Largest inbound frame in bytes; a larger frame closes the socket with 1009 and reason MESSAGE_TOO_LARGE. */
  readonly maxFrameBytes: number
  /** Creates the gate of a new connection (rate limit, bad frames: PROTOCOL.md §10.2, §2.5); every frame passes without one. */
  readonly gateFor?: (close: (error: SessionError) => void) => FrameGate
  /** Receives a `limit-exceeded` event for each frame over `maxFrameBytes`. */
  readonly onSecurityEvent?: SecurityEventListener
  /** Opens each connection's span (PROTOCOL.md §12); none without it. */
  readonly traceConnection?: ConnectionTracing['open']
}

/** The running transport. */
export interface WebSocketTransport {
  /** Number of open sockets. */
  readonly connectionCount: number
  /** Terminates every socket (used by shutdown). */
  terminateAll(): void
}

/** Serves WebSocket upgrades on `options.httpServer`. */
export function attachWebSocketTransport(options: WebSocketTransportOptions): WebSocketTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes })

  options.httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (url.pathname === FALLBACK_ROUTES.WEBSOCKET_PROBE) {
      // PROTOCOL.md §7.5: proves to a fallback client that WebSockets get through again.
      wss.handleUpgrade(request, socket, head, (ws) => {
        ws.send(WEBSOCKET_PROBE_FRAME, () => {
          ws.close(CLOSE_CODES.NORMAL)
        })
      })
      return
    }
    if (url.pathname !== ROUTES.WEBSOCKET) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      serveConnection(ws, socket, toFetchRequest(request, url), options)
    })
  })

  return {
    get connectionCount() {
      return wss.clients.size
    },
    terminateAll() {
      for (const client of wss.clients) client.terminate()
    },
  }
}

/** The `code` of the error `ws` emits for a frame over `maxPayload`. */
const OVERSIZED_FRAME_ERROR = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'

/**
 * Hands one upgraded socket to Hocuspocus and wires its frames, close and errors. A function of its own, so that the
 * connection's closures do not keep the upgrade's IncomingMessage (and its headers) alive as long as the socket.
 */
function serveConnection(
  ws: WebSocket,
  socket: Duplex,
  fetchRequest: Request,
  options: WebSocketTransportOptions,
): void {
  giveOversizedCloseItsReason(ws)
  const trace = options.traceConnection?.('websocket')
  /** Closes the socket; its span records the code and reason sent, not what the client echoes back. */
  const closeWith = (code: number, reason: string): void => {
    trace?.end(code, reason)
    ws.close(code, reason)
  }
  const context: TransportContext = {
    closeTransport: closeWith,
    holdWrites: holdWritesOn(socket),
    transport: 'websocket',
    ...(trace === undefined ? {} : { trace }),
  }
  const connection = options.hocuspocus.handleConnection(ws, fetchRequest, context)
  const admit = options.gateFor?.((error) => {
    // Closed for Hocuspocus at once, so the frames it still has queued are dropped (enforce-limits.ts).
    connection.handleClose({ code: error.closeCode, reason: error.code })
    closeWith(error.closeCode, error.code)
  })
  ws.on('message', (data: RawData) => {
    const frame = toBytes(data)
    if (admit === undefined || admit(frame)) connection.handleMessage(frame)
  })
  ws.on('close', (code: number, reason: Buffer) => {
    connection.handleClose({ code, reason: reason.toString() })
    trace?.end(code, reason.toString())
  })
  ws.on('error', (error: Error & { code?: string }) => {
    if (error.code !== OVERSIZED_FRAME_ERROR) {
      ws.terminate() // reason: the close event that follows reports it to Hocuspocus
      return
    }
    const tooLarge = new SessionError(
      'MESSAGE_TOO_LARGE',
      `a frame is over the frame cap of ${options.maxFrameBytes} bytes`,
      { details: { maxFrameBytes: options.maxFrameBytes } },
    )
    options.onSecurityEvent?.({ kind: 'limit-exceeded', sessionId: '', error: tooLarge })
    connection.handleClose({ code: tooLarge.closeCode, reason: tooLarge.code })
    trace?.end(tooLarge.closeCode, tooLarge.code)
    // Not terminated: ws has sent the close frame and discards what the client still sends; the socket ends when
    // the client answers the close (ws' close timeout, 30 s, bounds one that does not), so the reason gets through.
  })
}

/**
 * TransportContext.holdWrites for the socket under a `ws` WebSocket: corks it until the microtasks queued so far have
 * run. The release is a `nextTick` queued from a microtask, so it runs once the microtask queue is empty, whether the
 * hold was asked for from a microtask (a Hocuspocus hook) or not. `ws` corks and uncorks the socket around each frame
 * itself; corks nest, so the frames stay buffered until this hold ends.
 */
function holdWritesOn(socket: Duplex): () => void {
  let held = false
  const release = (): void => {
    held = false
    socket.uncork()
  }
  return () => {
    if (held) return
    held = true
    socket.cork()
    queueMicrotask(() => {
      process.nextTick(release)
    })
  }
}

/**
 * `ws` closes a socket whose frame is over `maxPayload` with 1009 and no reason (receiverOnError in ws/lib/websocket.js,
 * before it emits the error); this gives that close the error code MESSAGE_TOO_LARGE as reason, like every other
 * Lifeline close (PROTOCOL.md §5), so clients can tell it from a network failure.
 */
function giveOversizedCloseItsReason(ws: WebSocket): void {
  const close = ws.close.bind(ws)
  ws.close = (code?: number, reason?: string | Buffer): void => {
    close(code, code === ERROR_CODES.MESSAGE_TOO_LARGE.closeCode && reason === undefined ? 'MESSAGE_TOO_LARGE' : reason)
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}
