/**
 * Pure changes of a subscription record (PROTOCOL.md §9.10, §9.11) that the subscription manager decides inside the
 * store's transaction: linking streams, ending an expired lease, clearing a retry schedule, and the errors of
 * unknown subscriptions and stale wakes.
 */
import { createHash } from 'node:crypto'
import { SessionError } from '../../shared/errors/session-error.ts'
import type { StreamPosition } from './stream-offset.ts'
import type { SubscriptionRecord } from './subscription-record.ts'

/** `record` without its wake when the wake's lease ended at or before `nowMs`. */
export function clearExpired(record: SubscriptionRecord, nowMs: number): SubscriptionRecord {
  const lease = record.wake?.leaseExpiresAtMs
  if (lease === undefined || lease > nowMs) return record
  const { wake: _expired, ...rest } = record
  return rest
}

/** `record` with `paths` linked (at their tails in `tails`) as `kind` links; existing links gain the kind. */
export function link(
  record: SubscriptionRecord,
  paths: readonly string[],
  tails: ReadonlyMap<string, StreamPosition>,
  kind: 'explicit' | 'glob',
): SubscriptionRecord {
  if (paths.length === 0) return record
  const links = [...record.links]
  for (const path of paths) {
    const index = links.findIndex((candidate) => candidate.path === path)
    const existing = links[index]
    if (existing !== undefined) {
      if (!existing[kind]) links[index] = { ...existing, [kind]: true }
      continue
    }
    const acked = tails.get(path) ?? { messages: 0, bytes: 0 }
    links.push({ path, explicit: kind === 'explicit', glob: kind === 'glob', acked })
  }
  return { ...record, links }
}

/** `record` after a delivery succeeded: no failures and no retry scheduled. */
export function withoutRetry(record: SubscriptionRecord): SubscriptionRecord {
  const { nextAttemptAtMs: _cleared, ...rest } = record
  return { ...rest, failures: 0 }
}

/** How a wake token is stored: SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** SUBSCRIPTION_NOT_FOUND for `id`. */
export function notFound(id: string): SessionError {
  return new SessionError('SUBSCRIPTION_NOT_FOUND', `no subscription ${id}`, { details: { id } })
}

/** FENCED: the wake a request names is not the current one. */
export function fenced(id: string): SessionError {
  return new SessionError('FENCED', 'the wake is no longer current', { details: { id } })
}
