/**
 * The message and steer rate of a principal (PROTOCOL.md §10.5): new `messages` and `steering` entries are charged to
 * the principal's buckets, over every connection and HTTP append on this node. An update (or append) the buckets
 * cannot pay for now is refused whole with RATE_LIMITED and the wait after which it would pass; one larger than the
 * burst passes once the bucket is full, so an offline backlog is delayed, never refused for good.
 */
import { SessionError } from '../../shared/errors/session-error.ts'
import type { SessionLimits } from '../../shared/limits/session-limits.ts'
import type { SecurityEventListener } from '../auth/security-event.ts'
import type { NewEntries } from './count-new-entries.ts'
import type { PrincipalBudgets, PrincipalBuckets } from './principal-budgets.ts'
import { chargeAll } from './token-bucket.ts'

/** The limits read here. */
export type EntryRateLimits = Pick<
  SessionLimits,
  'messagesPerSecond' | 'messageBurst' | 'steersPerSecond' | 'steerBurst'
>

/**
 * Charges `entries` to `buckets`.
 * @returns undefined when charged; else the RATE_LIMITED error to answer with (nothing charged), its details naming
 *   the `limit` (`messages` or `steers`), the entries, the rate and burst, and `retryAfterMs`
 */
export function chargeNewEntries(
  buckets: PrincipalBuckets,
  entries: NewEntries,
  limits: EntryRateLimits,
): SessionError | undefined {
  const retryAfterMs = chargeAll([
    { bucket: buckets.messages, cost: entries.messages },
    { bucket: buckets.steers, cost: entries.steers },
  ])
  if (retryAfterMs === 0) return undefined
  const messagesShort = buckets.messages.waitMs(entries.messages) > 0
  const details = messagesShort
    ? { limit: 'messages', entries: entries.messages, perSecond: limits.messagesPerSecond, burst: limits.messageBurst }
    : { limit: 'steers', entries: entries.steers, perSecond: limits.steersPerSecond, burst: limits.steerBurst }
  return new SessionError(
    'RATE_LIMITED',
    `${details.entries} new ${details.limit} are over this principal's rate of ${details.perSecond} per second; retry in ${retryAfterMs} ms`,
    {
      details: { ...details, scope: 'principal', retryAfterMs },
    },
  )
}

/**
 * A charger for writes that arrive without a connection (HTTP appends, PROTOCOL.md §9.7): charges `entries` to the
 * buckets of `principalId` and, when they cannot pay now, reports a `limit-exceeded` security event and throws the
 * RATE_LIMITED error (the HTTP edge answers 429 with Retry-After).
 */
export function createEntryCharger(
  principals: PrincipalBudgets,
  limits: EntryRateLimits,
  onSecurityEvent: SecurityEventListener,
): EntryCharger {
  return (principalId, sessionId, entries) => {
    const lease = principals.acquire(principalId)
    const refused = chargeNewEntries(lease.buckets, entries, limits)
    lease.release()
    if (refused === undefined) return
    const error = new SessionError(refused.code, refused.message, { details: { ...refused.details, sessionId } })
    onSecurityEvent({ kind: 'limit-exceeded', sessionId, principalId, error })
    throw error
  }
}

/** Charges new entries written by `principalId` to session `sessionId`; throws RATE_LIMITED to refuse them. */
export type EntryCharger = (principalId: string, sessionId: string, entries: NewEntries) => void
