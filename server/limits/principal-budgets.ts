/**
 * The per-principal budgets of one node (PROTOCOL.md §10.4, §10.5): for each principal (a token's `sub`) one set of
 * token buckets — bytes of sync answers, new messages, new steers — shared by all its connections and HTTP
 * appends. A principal's buckets live while a lease holds them and then until they are full again (a full bucket
 * remembers nothing, so dropping it changes no answer): memory follows the principals active in the last half
 * minute, not every principal ever seen. Without auth a connection has no principal and gets buckets of its own.
 */
import type { SessionLimits } from '../../shared/limits/session-limits.ts'
import { createTokenBucket, type TokenBucket } from './token-bucket.ts'

/** The buckets of one principal. */
export interface PrincipalBuckets {
  readonly syncBytes: TokenBucket
  readonly messages: TokenBucket
  readonly steers: TokenBucket
}

/** A hold on a principal's buckets; release it when the connection (or request) ends. */
export interface PrincipalLease {
  readonly buckets: PrincipalBuckets
  release(): void
}

/** The limits the budgets read. */
export type PrincipalBudgetLimits = Pick<
  SessionLimits,
  | 'principalSyncBytesPerSecond'
  | 'principalSyncByteBurst'
  | 'messagesPerSecond'
  | 'messageBurst'
  | 'steersPerSecond'
  | 'steerBurst'
>

/** Options of {@link createPrincipalBudgets}. */
export interface PrincipalBudgetsOptions {
  readonly limits: PrincipalBudgetLimits
  /** Clock in ms (default performance.now). */
  readonly now?: () => number
  /** How often principals without leases and with full buckets are dropped, in ms (default 10 000; 0: only by `sweep`). */
  readonly sweepEveryMs?: number
}

/** The budgets of every principal on this node. */
export interface PrincipalBudgets {
  /** Leases the buckets of `principalId`; undefined (no auth) leases buckets of its own, shared with nobody. */
  acquire(principalId: string | undefined): PrincipalLease
  /** Drops principals that no lease holds and whose buckets are full. */
  sweep(): void
  /** Principals held in memory. */
  readonly size: number
  /** Stops the periodic sweep. */
  stop(): void
}

/** Default period of the sweep. */
const PRINCIPAL_SWEEP_EVERY_MS = 10_000

interface Entry {
  readonly buckets: PrincipalBuckets
  leases: number
}

/** Creates the budgets; call `stop` when the server closes. */
export function createPrincipalBudgets(options: PrincipalBudgetsOptions): PrincipalBudgets {
  const { limits } = options
  const clock = options.now === undefined ? {} : { now: options.now }
  const entries = new Map<string, Entry>()
  const createBuckets = (): PrincipalBuckets => ({
    syncBytes: createTokenBucket({
      capacity: limits.principalSyncByteBurst,
      refillPerSecond: limits.principalSyncBytesPerSecond,
      ...clock,
    }),
    messages: createTokenBucket({ capacity: limits.messageBurst, refillPerSecond: limits.messagesPerSecond, ...clock }),
    steers: createTokenBucket({ capacity: limits.steerBurst, refillPerSecond: limits.steersPerSecond, ...clock }),
  })
  const sweep = (): void => {
    for (const [principalId, entry] of entries) {
      const { syncBytes, messages, steers } = entry.buckets
      if (entry.leases === 0 && syncBytes.full && messages.full && steers.full) entries.delete(principalId)
    }
  }
  const sweepEveryMs = options.sweepEveryMs ?? PRINCIPAL_SWEEP_EVERY_MS
  const timer = sweepEveryMs > 0 ? setInterval(sweep, sweepEveryMs) : undefined
  timer?.unref()

  return {
    acquire(principalId) {
      if (principalId === undefined) return { buckets: createBuckets(), release: () => undefined }
      let entry = entries.get(principalId)
      if (entry === undefined) {
        entry = { buckets: createBuckets(), leases: 0 }
        entries.set(principalId, entry)
      }
      const held = entry
      held.leases++
      let released = false
      return {
        buckets: held.buckets,
        release() {
          if (released) return
          released = true
          held.leases--
        },
      }
    },
    sweep,
    get size() {
      return entries.size
    },
    stop() {
      clearInterval(timer)
    },
  }
}
