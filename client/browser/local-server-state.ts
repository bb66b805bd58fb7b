/**
 * createLocalServerStateStore: keeps a session's last known server state vector in Web Storage (localStorage), so
 * a page loaded with no network still knows which of its entries the server has not confirmed
 * (docs/offline.md § Pending entries). A value that does not parse is treated as none.
 */
import type { ServerStateStore } from '../core/delivery-tracker.ts'

/** Web Storage key of a session's last known server state vector. */
export function serverStateStorageKey(sessionId: string): string {
  return `lifeline:server-state:${sessionId}`
}

/** A ServerStateStore of `sessionId` in `storage`. */
export function createLocalServerStateStore(storage: Storage, sessionId: string): ServerStateStore {
  const key = serverStateStorageKey(sessionId)
  return {
    load() {
      try {
        const saved: unknown = JSON.parse(storage.getItem(key) ?? 'null')
        if (!Array.isArray(saved)) return undefined
        const pairs = saved.filter(
          (pair): pair is [number, number] =>
            Array.isArray(pair) && pair.length === 2 && pair.every((value) => Number.isSafeInteger(value)),
        )
        return new Map(pairs)
      } catch {
        // reason: a value this code did not write is no state vector; the server's next one replaces it
        return undefined
      }
    },
    save(stateVector) {
      try {
        storage.setItem(key, JSON.stringify([...stateVector]))
      } catch {
        // reason: a full or unavailable storage only costs the pending markers after a reload, never data
      }
    },
  }
}
