/**
 * Presence of HTTP clients (PROTOCOL.md §9.9): a device without a Yjs connection (a Python agent, a script)
 * announces itself with a lease that it renews; it leaves when it says so or when the lease runs out, like a Yjs
 * device that goes silent (§8.5). Its members join the awareness members in the session's `presence` events, and each
 * lease has a Yjs clientID of its own under which the server publishes the device in the session's awareness
 * (http-presence-awareness.ts). Announcements are rate-limited per principal. Leases live on the node that received
 * them.
 */
import { randomInt } from 'node:crypto'
import type { SessionEventMember } from '../../shared/protocol/session-events.ts'
import { SessionError } from '../../shared/errors/session-error.ts'
import { HTTP_PRESENCE_BURST, HTTP_PRESENCE_PER_SECOND } from '../../shared/presence/presence-timing.ts'
import { createTokenBucket, type TokenBucket } from '../limits/token-bucket.ts'

/** One HTTP device present in a session. */
export interface HttpDevice {
  /** The awareness clientID the server publishes the device under, random per lease (never a client's). */
  readonly clientId: number
  readonly member: SessionEventMember
}

/** The registry of HTTP devices' leases. */
export interface HttpPresence {
  /** How long a lease lasts without a renewal, in ms. */
  readonly leaseMs: number
  /**
   * Renews (`present`) or ends the lease of `member` in `sessionId`.
   * @throws SessionError RATE_LIMITED (details `{ limit: 'presence', retryAfterMs }`) past the principal's rate
   */
  announce(sessionId: string, member: SessionEventMember, present: boolean): void
  /** The HTTP devices present in `sessionId`. */
  members(sessionId: string): SessionEventMember[]
  /** The HTTP devices present in `sessionId`, with their awareness clientIDs. */
  devices(sessionId: string): HttpDevice[]
  /** True when `clientId` is the awareness clientID of an HTTP device present in `sessionId`. */
  ownsClientId(sessionId: string, clientId: number): boolean
  /** Drops every lease of `sessionId` (it is being erased). */
  forget(sessionId: string): void
  /** Clears every lease timer (shutdown). */
  stop(): void
}

/**
 * Creates the registry; `onChange` runs after every announcement, expiry and end, with `membersChanged` true when a
 * device came or went (false for a renewal).
 */
export function createHttpPresence(options: {
  leaseMs: number
  onChange: (sessionId: string, membersChanged: boolean) => void
}): HttpPresence {
  const sessions = new Map<string, Map<string, { device: HttpDevice; timer: NodeJS.Timeout }>>()
  const buckets = new Map<string, TokenBucket>()

  const charge = (principalId: string): void => {
    let bucket = buckets.get(principalId)
    if (bucket === undefined) {
      // Full buckets remember nothing: dropping them bounds the map by the principals active lately.
      for (const [id, other] of buckets) if (other.full) buckets.delete(id)
      bucket = createTokenBucket({ capacity: HTTP_PRESENCE_BURST, refillPerSecond: HTTP_PRESENCE_PER_SECOND })
      buckets.set(principalId, bucket)
    }
    if (bucket.take(1)) return
    const retryAfterMs = bucket.waitMs(1)
    throw new SessionError('RATE_LIMITED', `presence announcements are over ${HTTP_PRESENCE_PER_SECOND} per second`, {
      details: { limit: 'presence', perSecond: HTTP_PRESENCE_PER_SECOND, burst: HTTP_PRESENCE_BURST, retryAfterMs },
    })
  }

  const remove = (sessionId: string, key: string): boolean => {
    const devices = sessions.get(sessionId)
    const entry = devices?.get(key)
    if (devices === undefined || entry === undefined) return false
    clearTimeout(entry.timer)
    devices.delete(key)
    if (devices.size === 0) sessions.delete(sessionId)
    return true
  }

  return {
    leaseMs: options.leaseMs,
    announce(sessionId, member, present) {
      charge(member.principalId)
      const key = JSON.stringify([member.principalId, member.device ?? null])
      const clientId = sessions.get(sessionId)?.get(key)?.device.clientId ?? randomInt(1, 2 ** 32)
      const existed = remove(sessionId, key)
      if (!present) {
        if (existed) options.onChange(sessionId, true)
        return
      }
      const timer = setTimeout(() => {
        if (remove(sessionId, key)) options.onChange(sessionId, true)
      }, options.leaseMs)
      timer.unref()
      let devices = sessions.get(sessionId)
      if (devices === undefined) {
        devices = new Map()
        sessions.set(sessionId, devices)
      }
      devices.set(key, { device: { clientId, member }, timer })
      options.onChange(sessionId, !existed)
    },
    members(sessionId) {
      return this.devices(sessionId).map(({ member }) => member)
    },
    devices(sessionId) {
      return [...(sessions.get(sessionId)?.values() ?? [])].map(({ device }) => device)
    },
    ownsClientId(sessionId, clientId) {
      for (const { device } of sessions.get(sessionId)?.values() ?? []) if (device.clientId === clientId) return true
      return false
    },
    forget(sessionId) {
      for (const key of [...(sessions.get(sessionId)?.keys() ?? [])]) remove(sessionId, key)
    },
    stop() {
      for (const sessionId of [...sessions.keys()]) this.forget(sessionId)
    },
  }
}
