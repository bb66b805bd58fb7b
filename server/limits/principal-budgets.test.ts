/**
 * createPrincipalBudgets with an injected clock: one principal's leases share its buckets, connections without a
 * principal get their own, and a principal is dropped only once no lease holds it and its buckets are full again.
 */
import { describe, expect, it } from 'vitest'
import { createPrincipalBudgets } from './principal-budgets.ts'

const limits = {
  principalSyncBytesPerSecond: 1_000,
  principalSyncByteBurst: 10_000,
  messagesPerSecond: 1,
  messageBurst: 2,
  steersPerSecond: 1,
  steerBurst: 2,
}

function setup() {
  let clock = 0
  const budgets = createPrincipalBudgets({ limits, now: () => clock, sweepEveryMs: 0 })
  return {
    budgets,
    advance: (ms: number) => {
      clock += ms
    },
  }
}

describe('createPrincipalBudgets', () => {
  it("shares one principal's buckets between its leases, not with others or with anonymous leases", () => {
    const { budgets } = setup()
    const first = budgets.acquire('alice')
    const second = budgets.acquire('alice')
    expect(second.buckets).toBe(first.buckets)
    expect(first.buckets.messages.take(2)).toBe(true)
    expect(second.buckets.messages.take(1)).toBe(false)
    expect(budgets.acquire('bob').buckets.messages.take(2)).toBe(true)
    const anonymous = budgets.acquire(undefined)
    expect(anonymous.buckets).not.toBe(budgets.acquire(undefined).buckets)
    expect(budgets.size).toBe(2)
  })

  it('drops a principal once it is released and its buckets have refilled, and keeps it before', () => {
    const { budgets, advance } = setup()
    const lease = budgets.acquire('alice')
    lease.buckets.syncBytes.take(5_000)
    budgets.sweep()
    expect(budgets.size).toBe(1) // leased
    lease.release()
    lease.release() // a second release changes nothing
    budgets.sweep()
    expect(budgets.size).toBe(1) // not full yet: dropping it would forget the spent budget
    advance(5_000)
    budgets.sweep()
    expect(budgets.size).toBe(0)
    expect(budgets.acquire('alice').buckets.syncBytes.waitMs(10_000)).toBe(0)
  })

  it('keeps a principal while any lease holds it', () => {
    const { budgets, advance } = setup()
    const first = budgets.acquire('alice')
    budgets.acquire('alice')
    first.release()
    advance(60_000)
    budgets.sweep()
    expect(budgets.size).toBe(1)
  })
})
