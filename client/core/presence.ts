/**
 * Presence through Yjs awareness: each client announces `{ member: { principalId, role, device } }`, renews it every
 * heartbeat while connected (the server drops a device that stops, PROTOCOL.md §8.5), and reads the announcements of
 * every connected device. With authentication on, the server fixes identity fields from the token; without it they
 * are what clients claim.
 */
import type { Awareness } from 'y-protocols/awareness'
import { isPrincipalRole, type PrincipalRole } from '../../shared/auth/token-claims.ts'

/** Roles a principal can have in a session (the token roles). */
export type PresenceRole = PrincipalRole

/** One connected device. */
export interface PresenceMember {
  /** Yjs clientID of the device's document. */
  readonly clientId: number
  readonly principalId: string
  readonly role: PresenceRole
  readonly device?: string
  /** True for this client itself. */
  readonly self: boolean
}

/** Publishes this device's identity in awareness. */
export function announcePresence(
  awareness: Awareness,
  member: { principalId: string; role: PresenceRole; device?: string },
): void {
  awareness.setLocalStateField('member', member)
}

/**
 * Renews this device's awareness state every `heartbeatMs` while `isConnected()`, so the server keeps it in presence
 * (it drops states not renewed within its presence timeout). Returns the function that stops the heartbeat.
 */
export function renewPresence(awareness: Awareness, heartbeatMs: number, isConnected: () => boolean): () => void {
  const timer = setInterval(() => {
    const state = awareness.getLocalState()
    if (state !== null && isConnected()) awareness.setLocalState(state)
  }, heartbeatMs)
  return () => {
    clearInterval(timer)
  }
}

/** Every device announced in `awareness`. */
export function readPresence(awareness: Awareness): PresenceMember[] {
  const members: PresenceMember[] = []
  awareness.getStates().forEach((state, clientId) => {
    const member = (state as { member?: { principalId?: unknown; role?: unknown; device?: unknown } }).member
    if (typeof member?.principalId !== 'string') return
    const role: PresenceRole = isPrincipalRole(member.role) ? member.role : 'user'
    members.push({
      clientId,
      principalId: member.principalId,
      role,
      self: clientId === awareness.clientID,
      ...(typeof member.device === 'string' ? { device: member.device } : {}),
    })
  })
  return members
}
