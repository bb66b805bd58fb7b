/**
 * A framework-neutral store over a session client: `subscribe` + `getSnapshot` with an immutable snapshot that
 * changes identity only when something changed. It plugs straight into React's `useSyncExternalStore`:
 *
 *   const store = useMemo(() => createSessionStore(client), [client])
 *   const { status, messages } = useSyncExternalStore(store.subscribe, store.getSnapshot)
 */
import type { MessageView } from '../../shared/session/session-schema.ts'
import type { ConnectionStatus } from './connection-status.ts'
import type { SessionClient } from './session-client.ts'

/** What a view renders. */
export interface SessionSnapshot {
  readonly status: ConnectionStatus
  /** Update frames awaiting the server's acknowledgement. */
  readonly unsyncedChanges: number
  readonly messages: readonly MessageView[]
}

/** A subscribable, snapshot-returning view of one session client. */
export interface SessionStore {
  /** Registers `listener` for changes; returns its unsubscribe function. */
  subscribe(listener: () => void): () => void
  /** The current snapshot; the same object until the session changes. */
  getSnapshot(): SessionSnapshot
}

/** Creates a store over `client`. */
export function createSessionStore(client: SessionClient): SessionStore {
  let snapshot: SessionSnapshot | undefined
  const listeners = new Set<() => void>()
  const invalidate = (): void => {
    snapshot = undefined
    for (const listener of listeners) listener()
  }
  return {
    subscribe(listener) {
      if (listeners.size === 0) {
        client.on('change', invalidate)
        client.on('status', invalidate)
        client.on('unsynced', invalidate)
      }
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
        if (listeners.size > 0) return
        client.off('change', invalidate)
        client.off('status', invalidate)
        client.off('unsynced', invalidate)
      }
    },
    getSnapshot() {
      snapshot ??= { status: client.status, unsyncedChanges: client.unsyncedChanges, messages: client.messages() }
      return snapshot
    },
  }
}
