/**
 * The small event-target surface the Hocuspocus provider uses on a socket (`addEventListener`,
 * `removeEventListener`), for the WebSocket-compatible classes of the fallback transports.
 */

/** Events a socket dispatches, with the fields the provider reads. */
export interface SocketEventMap {
  open: Record<string, never>
  message: { data: ArrayBuffer }
  close: { code: number; reason: string }
  error: { error?: unknown }
}

type Listener = (event: never) => void

/** A minimal typed event target. */
export class SocketEvents {
  private readonly listeners = new Map<string, Set<Listener>>()

  addEventListener<K extends keyof SocketEventMap>(type: K, listener: (event: SocketEventMap[K]) => void): void {
    let set = this.listeners.get(type)
    if (set === undefined) {
      set = new Set()
      this.listeners.set(type, set)
    }
    set.add(listener as Listener)
  }

  removeEventListener<K extends keyof SocketEventMap>(type: K, listener: (event: SocketEventMap[K]) => void): void {
    this.listeners.get(type)?.delete(listener as Listener)
  }

  protected dispatch<K extends keyof SocketEventMap>(type: K, event: SocketEventMap[K]): void {
    for (const listener of [...(this.listeners.get(type) ?? [])])
      (listener as (event: SocketEventMap[K]) => void)(event)
  }
}
