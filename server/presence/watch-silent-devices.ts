/**
 * Drops silent devices from one session's awareness (PROTOCOL.md §8.5). A connected device renews its awareness
 * state every heartbeat; a device that stops renewing — a frozen tab, a network gone without a close, whose socket
 * the server still holds — is removed `timeoutMs` after its last state, and the removal is broadcast like any other
 * awareness change. y-protocols' own check waits 30 s and then some; this one keeps one timer per session, set for
 * the earliest deadline, so a removal comes on time and a session with live devices costs one timer per heartbeat.
 */
import { removeAwarenessStates, type Awareness } from 'y-protocols/awareness'

/** The origin of the removals, so they are not taken for a device's own change. */
const SILENT_DEVICE_ORIGIN = 'lifeline-silent-device'

/** Options of {@link watchSilentDevices}. */
export interface SilentDeviceOptions {
  /** A device whose state is not renewed for this long is removed, in ms. */
  readonly timeoutMs: number
  /** Clock in ms (default Date.now). */
  readonly now?: () => number
  /** Receives the clientIDs removed by one expiry. */
  readonly onExpired?: (clientIds: readonly number[]) => void
}

interface AwarenessChange {
  readonly added: readonly number[]
  readonly updated: readonly number[]
  readonly removed: readonly number[]
}

/** Watches `awareness` and removes the states of silent devices; returns the function that stops watching. */
export function watchSilentDevices(awareness: Awareness, options: SilentDeviceOptions): () => void {
  const now = options.now ?? Date.now
  const { timeoutMs } = options
  const startedAt = now()
  /** When each device's state was last set or renewed. */
  const lastSeen = new Map<number, number>()
  let timer: ReturnType<typeof setTimeout> | undefined

  const remoteClientIds = (): number[] => [...awareness.getStates().keys()].filter((id) => id !== awareness.clientID)
  const seenAt = (clientId: number): number => lastSeen.get(clientId) ?? startedAt

  const expire = (): void => {
    timer = undefined
    const at = now()
    const silent = remoteClientIds().filter((clientId) => at - seenAt(clientId) >= timeoutMs)
    if (silent.length > 0) {
      for (const clientId of silent) lastSeen.delete(clientId)
      removeAwarenessStates(awareness, silent, SILENT_DEVICE_ORIGIN)
      options.onExpired?.(silent)
    }
    schedule()
  }

  /** Sets the timer for the earliest deadline, unless one is set: deadlines only move later, new ones come last. */
  const schedule = (): void => {
    if (timer !== undefined) return
    const seen = remoteClientIds().map(seenAt)
    if (seen.length === 0) return
    timer = setTimeout(expire, Math.max(0, Math.min(...seen) + timeoutMs - now()))
    timer.unref()
  }

  const onUpdate = ({ added, updated, removed }: AwarenessChange, origin: unknown): void => {
    if (origin === SILENT_DEVICE_ORIGIN) return
    const at = now()
    for (const clientId of added) lastSeen.set(clientId, at)
    for (const clientId of updated) lastSeen.set(clientId, at)
    for (const clientId of removed) lastSeen.delete(clientId)
    schedule()
  }

  awareness.on('update', onUpdate)
  schedule()
  return () => {
    awareness.off('update', onUpdate)
    clearTimeout(timer)
    timer = undefined
  }
}
