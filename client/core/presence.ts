/**
 * Presence through Yjs awareness: each client announces `{ member: { principalId, role, device } }`, renews it every
 * heartbeat while connected (the server drops a device that stops, PROTOCOL.md §8.5), and reads the announcements of
 * every connected device. With authentication on, the server fixes identity fields from the token; without it they
 * are what clients claim.
 */
import type { Awareness } from 'y-protocols/awareness'
import { isPrincipalRole, type PrincipalRole } from '../../shared/auth/token-claims.ts'
import { personInitials } from '../../shared/session/display-name.ts'
import type { PersonView } from '../../shared/session/session-schema.ts'

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

/** The presence heartbeat of one device. */
export interface PresenceHeartbeat {
  /** Renews now (when connected) and counts the next period from now, read again from `heartbeatMs()`. */
  renewNow(): void
  stop(): void
}

/**
 * Renews this device's awareness state every `heartbeatMs()` while `isConnected()`, so the server keeps it in presence
 * (it drops states not renewed within its presence timeout). The period is read again before each wait; call
 * `renewNow` when it changed (the server announced a shorter timeout) so the new one applies at once.
 */
export function renewPresence(
  awareness: Awareness,
  heartbeatMs: () => number,
  isConnected: () => boolean,
): PresenceHeartbeat {
  let timer: ReturnType<typeof setTimeout> | undefined
  const renew = (): void => {
    const state = awareness.getLocalState()
    if (state !== null && isConnected()) awareness.setLocalState(state)
    schedule()
  }
  const schedule = (): void => {
    clearTimeout(timer)
    timer = setTimeout(renew, heartbeatMs())
  }
  schedule()
  return {
    renewNow: renew,
    stop() {
      clearTimeout(timer)
    },
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

/** One person in the session and the devices they are connected from. */
export interface PersonPresence {
  readonly principalId: string
  /** Display name: the person's `people` entry (PROTOCOL.md §1.3), else the principal id. */
  readonly name: string
  /** One or two letters for an avatar, from `name` (personInitials). */
  readonly initials: string
  /** Role of the person's devices (from the token when auth is on): `agent` when any device is one. */
  readonly role: PresenceRole
  /** True for agents (`role === 'agent'`). */
  readonly isAgent: boolean
  /** True for the principal of this client (its other devices included). */
  readonly self: boolean
  /** The person's connected devices: this device first, then by label. */
  readonly devices: readonly PresenceMember[]
}

/**
 * Groups `members` (one per device) by principal, named from `people`: this client's principal first, then people
 * before agents, each by name.
 */
export function groupPresenceByPerson(
  members: readonly PresenceMember[],
  people: readonly PersonView[],
  selfPrincipalId: string,
): PersonPresence[] {
  const devicesOf = new Map<string, PresenceMember[]>()
  for (const member of members)
    devicesOf.set(member.principalId, [...(devicesOf.get(member.principalId) ?? []), member])
  const names = new Map(people.map((person) => [person.principalId, person.name]))
  const grouped = [...devicesOf].map(([principalId, devices]): PersonPresence => {
    const sorted = [...devices].sort(byDevice)
    const role = (sorted.find((device) => device.role === 'agent') ?? sorted[0])?.role ?? 'user'
    const name = names.get(principalId) ?? principalId
    return {
      principalId,
      name,
      initials: personInitials(name),
      role,
      isAgent: role === 'agent',
      self: principalId === selfPrincipalId,
      devices: sorted,
    }
  })
  return grouped.sort(
    (a, b) =>
      Number(b.self) - Number(a.self) ||
      Number(a.isAgent) - Number(b.isAgent) ||
      a.name.localeCompare(b.name) ||
      a.principalId.localeCompare(b.principalId),
  )
}

function byDevice(a: PresenceMember, b: PresenceMember): number {
  return Number(b.self) - Number(a.self) || (a.device ?? '').localeCompare(b.device ?? '') || a.clientId - b.clientId
}
