/**
 * Transport selection (PROTOCOL.md §7.1): a WebSocket-compatible class for the Hocuspocus provider that tries a
 * real WebSocket first and judges it by a server frame arriving, not by `open`. No frame within
 * `websocketTimeoutMs`, or a close before the first frame, switches that connection to the HTTP fallback (SSE,
 * then long-poll if SSE is buffered), replaying the frames already written, and remembers the choice per origin.
 * A failure that is not the WebSocket's — the fallback reaches no server either (offline, server down behind a proxy)
 * — neither switches nor remembers anything: the connection closes and the provider retries, WebSocket first.
 * While on the fallback it probes WebSockets now and then and, once they get through, closes the fallback
 * connection so the provider reconnects — over a WebSocket.
 */
import { CLOSE_CODES } from '../../../shared/protocol/close-codes.ts'
import { FALLBACK_ROUTES, WEBSOCKET_PROBE_FRAME } from '../../../shared/protocol/http-fallback.ts'
import { copyBytes } from './copy-bytes.ts'
import { HttpFallbackSocket, type FallbackMode } from './http-fallback-socket.ts'
import { SocketEvents, type SocketEventMap } from './socket-events.ts'
import { createInMemoryTransportMemory, type TransportMemory } from './transport-memory.ts'

/** The transport a connection uses. */
export type TransportKind = 'websocket' | FallbackMode

/** A WebSocket-like object as the provider and this module use it. */
interface RawSocket {
  readyState: number
  binaryType: string
  send(data: ArrayBufferLike | ArrayBufferView): void
  close(code?: number, reason?: string): void
  addEventListener(type: string, listener: (event: never) => void): void
  removeEventListener(type: string, listener: (event: never) => void): void
}

/** Options of {@link createTransportChooser}. */
export interface TransportChooserOptions {
  /** WebSocket implementation (default: the global one). */
  readonly WebSocket?: new (
    url: string,
  ) => unknown
  readonly fetch?: typeof fetch
  /** Remembered choices (default: this process only). */
  readonly memory?: TransportMemory
  /** A WebSocket with no server frame this long is given up (default 3000). */
  readonly websocketTimeoutMs?: number
  /** SSE without `hello` this long → long-poll (default 3000). */
  readonly sseHelloTimeoutMs?: number
  /** SSE silence that means a half-open stream (default 25000). */
  readonly silenceTimeoutMs?: number
  /** How often a fallback connection probes WebSockets (default 30000). */
  readonly upgradeProbeMs?: number
  /** How long a fallback choice is remembered (default 10 minutes). */
  readonly rememberMs?: number
}

/** The chooser: the class to hand to the provider and the transport in use. */
export interface TransportChooser {
  readonly WebSocketClass: new (url: string) => unknown
  /** Transport of the newest connection, once known. */
  readonly transport: TransportKind | undefined
  /** Listens for transport changes; returns the remover. */
  onChange(listener: (transport: TransportKind) => void): () => void
}

/** Creates a chooser. */
export function createTransportChooser(options: TransportChooserOptions = {}): TransportChooser {
  const memory = options.memory ?? createInMemoryTransportMemory()
  const websocketTimeoutMs = options.websocketTimeoutMs ?? 3_000
  const rememberMs = options.rememberMs ?? 10 * 60_000
  const listeners = new Set<(transport: TransportKind) => void>()
  let transport: TransportKind | undefined
  const report = (next: TransportKind): void => {
    if (next === transport) return
    transport = next
    for (const listener of listeners) listener(next)
  }
  const NativeWebSocket = (options.WebSocket ?? globalThis.WebSocket) as new (url: string) => RawSocket

  class ChosenSocket extends SocketEvents {
    binaryType = 'arraybuffer'
    private inner: RawSocket
    private committed = false
    private announcedOpen = false
    private readonly written: Uint8Array[] = []
    private readonly timers: Array<ReturnType<typeof setTimeout>> = []
    private readonly key: string
    private readonly detach: Array<() => void> = []

    constructor(private readonly url: string) {
      super()
      this.key = new URL(url).host
      const remembered = memory.get(this.key)
      this.inner = remembered === undefined ? this.tryWebSocket() : this.openFallback(remembered, false)
    }

    get readyState(): number {
      return this.announcedOpen && this.inner.readyState === 0 ? 1 : this.inner.readyState
    }

    send(data: ArrayBufferLike | ArrayBufferView): void {
      if (!this.committed) this.written.push(copyBytes(data))
      if (this.inner.readyState === 1) this.inner.send(data)
    }

    close(code?: number, reason?: string): void {
      this.stopTimers()
      this.inner.close(code, reason)
    }

    private tryWebSocket(): RawSocket {
      const socket = new NativeWebSocket(this.url)
      socket.binaryType = 'arraybuffer'
      this.listen(socket, {
        open: () => {
          this.announceOpen()
        },
        message: (event) => {
          if (!this.committed) {
            this.commit()
            memory.forget(this.key)
            report('websocket')
          }
          this.dispatch('message', event)
        },
        close: (event) => {
          if (this.committed) this.finish(event)
          else this.switchToFallback('sse')
        },
        error: () => {
          if (!this.committed) this.switchToFallback('sse')
        },
      })
      this.timers.push(
        setTimeout(() => {
          if (!this.committed) this.switchToFallback('sse')
        }, websocketTimeoutMs),
      )
      return socket
    }

    /** `afterWebSocketFailed`: a WebSocket just failed; the fallback closes when it reaches no server either. */
    private openFallback(mode: FallbackMode, afterWebSocketFailed: boolean): RawSocket {
      const socket = new HttpFallbackSocket(this.url, {
        mode,
        closeWhenUnreachable: afterWebSocketFailed,
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        ...(options.sseHelloTimeoutMs === undefined ? {} : { helloTimeoutMs: options.sseHelloTimeoutMs }),
        ...(options.silenceTimeoutMs === undefined ? {} : { silenceTimeoutMs: options.silenceTimeoutMs }),
        onMode: (proven) => {
          memory.set(this.key, proven, rememberMs)
          report(proven)
        },
      }) as unknown as RawSocket
      this.listen(socket, {
        open: () => {
          // Frames the provider wrote into the failed WebSocket go again, in order, on the new connection.
          const replay = this.written.splice(0)
          this.commit()
          for (const frame of replay) socket.send(frame)
          this.announceOpen()
          this.scheduleUpgradeProbe()
        },
        message: (event) => {
          this.dispatch('message', event)
        },
        close: (event) => {
          this.finish(event)
        },
        error: () => undefined,
      })
      return socket
    }

    private switchToFallback(mode: FallbackMode): void {
      this.stopTimers()
      for (const remove of this.detach.splice(0)) remove()
      // Node's `ws` emits `error` when closed while still connecting; with no listener that error would crash the process.
      this.inner.addEventListener('error', ignoreEvent)
      try {
        this.inner.close()
      } catch {
        /* reason: the failed socket may already be closed */
      }
      this.inner = this.openFallback(mode, true)
    }

    private scheduleUpgradeProbe(): void {
      const probeMs = options.upgradeProbeMs ?? 30_000
      this.timers.push(
        setTimeout(() => {
          void probeWebSocket(NativeWebSocket, this.url, websocketTimeoutMs).then((works) => {
            if (this.inner.readyState !== 1) return
            if (!works) {
              this.scheduleUpgradeProbe()
              return
            }
            memory.forget(this.key)
            this.close(CLOSE_CODES.TRANSPORT_UPGRADE, 'transport-upgrade')
          })
        }, probeMs),
      )
    }

    private announceOpen(): void {
      if (this.announcedOpen) return
      this.announcedOpen = true
      this.dispatch('open', {})
    }

    private commit(): void {
      this.committed = true
      this.written.length = 0
      this.stopTimers()
    }

    private finish(event: SocketEventMap['close']): void {
      this.stopTimers()
      this.dispatch('close', { code: event.code, reason: event.reason })
    }

    private stopTimers(): void {
      for (const timer of this.timers.splice(0)) clearTimeout(timer)
    }

    private listen(
      socket: RawSocket,
      handlers: { [K in keyof SocketEventMap]: (event: SocketEventMap[K]) => void },
    ): void {
      for (const [type, handler] of Object.entries(handlers)) {
        socket.addEventListener(type, handler as (event: never) => void)
        this.detach.push(() => {
          socket.removeEventListener(type, handler as (event: never) => void)
        })
      }
    }
  }

  return {
    WebSocketClass: ChosenSocket,
    get transport() {
      return transport
    },
    onChange(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}

/** Resolves true when a WebSocket to the probe route receives the probe frame within `timeoutMs`. */
function probeWebSocket(
  NativeWebSocket: new (url: string) => RawSocket,
  url: string,
  timeoutMs: number,
): Promise<boolean> {
  return new Promise((resolve) => {
    const target = new URL(url)
    target.pathname = FALLBACK_ROUTES.WEBSOCKET_PROBE
    target.search = ''
    let socket: RawSocket
    try {
      socket = new NativeWebSocket(target.toString())
    } catch {
      resolve(false) // reason: the platform refused to even open it
      return
    }
    const done = (works: boolean): void => {
      clearTimeout(timer)
      try {
        socket.close()
      } catch {
        /* reason: already closed */
      }
      resolve(works)
    }
    const timer = setTimeout(() => {
      done(false)
    }, timeoutMs)
    socket.addEventListener('message', ((event: { data: unknown }) => {
      done(String(event.data) === WEBSOCKET_PROBE_FRAME)
    }) as (event: never) => void)
    socket.addEventListener('close', (() => {
      done(false)
    }) as (event: never) => void)
    socket.addEventListener('error', (() => {
      done(false)
    }) as (event: never) => void)
  })
}

/** Listener that swallows an abandoned socket's late events. */
function ignoreEvent(): void {}
