/**
 * WebSocket transport: upgrades requests on ROUTES.WEBSOCKET with `ws` and hands each socket to Hocuspocus'
 * `handleConnection`, feeding it inbound frames and the close event. Other upgrade paths are refused with 404.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Hocuspocus } from '@hocuspocus/server'
import { WebSocketServer, type RawData } from 'ws'
import { FALLBACK_ROUTES, WEBSOCKET_PROBE_FRAME } from '../../shared/protocol/http-fallback.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { toFetchRequest } from './to-fetch-request.ts'
import type { TransportContext } from './transport-context.ts'
import type { FrameGate } from '../limits/frame-gate.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'

/** Options of {@link attachWebSocketTransport}. */
export interface WebSocketTransportOptions {
  readonly httpServer: Server
  readonly hocuspocus: Hocuspocus
  /** Largest inbound frame in bytes; larger frames close the socket with 1009. */
  readonly maxFrameBytes: number
  /** Creates the rate-limit gate of a new connection (PROTOCOL.md §10.2); every frame passes without one. */
  readonly gateFor?: (close: (error: SessionError) => void) => FrameGate
}

/** The running transport. */
export interface WebSocketTransport {
  /** Number of open sockets. */
  readonly connectionCount: number
  /** Terminates every socket (used by shutdown). */
  terminateAll (): void
}

/** Serves WebSocket upgrades on `options.httpServer`. */
export function attachWebSocketTransport (options: WebSocketTransportOptions): WebSocketTransport {
  const { hocuspocus } = options
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes })

  options.httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost')
    if (url.pathname === FALLBACK_ROUTES.WEBSOCKET_PROBE) {
      // PROTOCOL.md §7.5: proves to a fallback client that WebSockets get through again.
      wss.handleUpgrade(request, socket, head, (ws) => { ws.send(WEBSOCKET_PROBE_FRAME, () => { ws.close(1000) }) })
      return
    }
    if (url.pathname !== ROUTES.WEBSOCKET) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const context: TransportContext = { closeTransport: (code, reason) => { ws.close(code, reason) }, transport: 'websocket' }
      const connection = hocuspocus.handleConnection(ws, toFetchRequest(request, url), context)
      const admit = options.gateFor?.((error) => {
        // Closed for Hocuspocus at once, so the frames it still has queued are dropped (enforce-limits.ts).
        connection.handleClose({ code: error.closeCode, reason: error.code })
        ws.close(error.closeCode, error.code)
      })
      ws.on('message', (data: RawData) => {
        const frame = toBytes(data)
        if (admit === undefined || admit(frame)) connection.handleMessage(frame)
      })
      ws.on('close', (code: number, reason: Buffer) => { connection.handleClose({ code, reason: reason.toString() }) })
      ws.on('error', () => { ws.terminate() }) // reason: the close event that follows reports it to Hocuspocus
    })
  })

  return {
    get connectionCount () { return wss.clients.size },
    terminateAll () {
      for (const client of wss.clients) client.terminate()
    },
  }
}

function toBytes (data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}
