/**
 * User presence for agents: turns the session's device list into per-user `user-left` (every device of that user
 * gone for `graceMs`, so a page refresh does not count) and `user-returned` (a device of a user who had left came
 * back). The agent decides what to do: keep generating (output is durable) or pause.
 */
import { DEFAULT_USER_LEFT_GRACE_MS } from '../../shared/presence/presence-timing.ts'
import type { PresenceMember } from '../core/session-client.ts'

/** A user presence change. */
export interface UserPresenceEvent {
  readonly type: 'user-left' | 'user-returned'
  readonly principalId: string
  /** Users with at least one device in the session after this change. */
  readonly presentUsers: readonly string[]
}

/** What the watch reads of a session client: its device list and the event that tells it changed. */
export interface PresenceSource {
  on(event: 'presence', listener: (members: PresenceMember[]) => void): void
  off(event: 'presence', listener: (members: PresenceMember[]) => void): void
  presence(): PresenceMember[]
}

/** Receives presence changes. */
export type UserPresenceHandler = (event: UserPresenceEvent) => void

/**
 * Watches `client`'s presence; returns the function that stops watching. A user's device leaves presence when it
 * disconnects, or when it goes silent past the server's presence timeout; `user-left` follows `graceMs` after the
 * last one left (default DEFAULT_USER_LEFT_GRACE_MS).
 */
export function watchUserPresence(
  client: PresenceSource,
  handler: UserPresenceHandler,
  graceMs = DEFAULT_USER_LEFT_GRACE_MS,
): () => void {
  const present = new Set<string>()
  const gone = new Set<string>()
  const timers = new Map<string, ReturnType<typeof setTimeout>>()

  const users = (members: readonly PresenceMember[]): Set<string> =>
    new Set(members.filter((member) => member.role === 'user' && !member.self).map((member) => member.principalId))

  const update = (members: readonly PresenceMember[]): void => {
    const now = users(members)
    for (const principalId of now) {
      clearTimeout(timers.get(principalId))
      timers.delete(principalId)
      present.add(principalId)
      if (gone.delete(principalId)) handler({ type: 'user-returned', principalId, presentUsers: [...now] })
    }
    for (const principalId of present) {
      if (now.has(principalId) || timers.has(principalId)) continue
      timers.set(
        principalId,
        setTimeout(() => {
          timers.delete(principalId)
          present.delete(principalId)
          gone.add(principalId)
          handler({ type: 'user-left', principalId, presentUsers: [...users(client.presence())] })
        }, graceMs),
      )
    }
  }

  client.on('presence', update)
  update(client.presence())
  return () => {
    client.off('presence', update)
    for (const timer of timers.values()) clearTimeout(timer)
    timers.clear()
  }
}
