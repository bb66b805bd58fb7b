/**
 * Where a client remembers that WebSockets did not work for an origin, so the next connection starts on the
 * fallback at once instead of waiting for the WebSocket attempt to time out. Entries expire.
 */
import type { FallbackMode } from './http-fallback-socket.ts'

/** A small key-value store for transport choices. */
export interface TransportMemory {
  get(key: string): FallbackMode | undefined
  set(key: string, mode: FallbackMode, ttlMs: number): void
  forget(key: string): void
}

/** Memory in this process (Node agents, tests). */
export function createInMemoryTransportMemory(now: () => number = Date.now): TransportMemory {
  const entries = new Map<string, { mode: FallbackMode; until: number }>()
  return {
    get(key) {
      const entry = entries.get(key)
      if (entry === undefined || entry.until <= now()) return undefined
      return entry.mode
    },
    set(key, mode, ttlMs) {
      entries.set(key, { mode, until: now() + ttlMs })
    },
    forget(key) {
      entries.delete(key)
    },
  }
}

/** Memory in a Storage (browsers: localStorage), shared by the tabs of an origin. */
export function createStorageTransportMemory(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
  now: () => number = Date.now,
): TransportMemory {
  const name = (key: string): string => `lifeline.transport:${key}`
  return {
    get(key) {
      try {
        const entry = JSON.parse(storage.getItem(name(key)) ?? 'null') as { mode?: unknown; until?: unknown } | null
        if (entry === null || typeof entry.until !== 'number' || entry.until <= now()) return undefined
        return entry.mode === 'sse' || entry.mode === 'long-poll' ? entry.mode : undefined
      } catch {
        return undefined // reason: a corrupt entry means "nothing remembered"
      }
    },
    set(key, mode, ttlMs) {
      storage.setItem(name(key), JSON.stringify({ mode, until: now() + ttlMs }))
    },
    forget(key) {
      storage.removeItem(name(key))
    },
  }
}
