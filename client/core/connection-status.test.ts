/**
 * Connection status state machine: every move listed in STATUS_TRANSITIONS is accepted, every other move throws,
 * and `closed` is terminal.
 */
import { describe, expect, it } from 'vitest'
import { STATUS_TRANSITIONS, transitionStatus, type ConnectionStatus } from './connection-status.ts'

const STATUSES = Object.keys(STATUS_TRANSITIONS) as ConnectionStatus[]
const pairs = STATUSES.flatMap((from) => STATUSES.map((to) => [from, to] as const))
const legal = pairs.filter(([from, to]) => STATUS_TRANSITIONS[from].includes(to))
const illegal = pairs.filter(([from, to]) => from !== to && !STATUS_TRANSITIONS[from].includes(to))

describe('transitionStatus', () => {
  it('covers every status', () => {
    expect([...STATUSES].sort()).toEqual(['closed', 'connecting', 'failed', 'offline', 'synced', 'syncing'])
    expect(legal.length).toBeGreaterThan(0)
    expect(illegal.length).toBeGreaterThan(0)
  })

  it.each(legal)('accepts %s → %s', (from, to) => {
    expect(transitionStatus(from, to)).toBe(to)
  })

  it.each(illegal)('throws on %s → %s', (from, to) => {
    expect(() => transitionStatus(from, to)).toThrow(`illegal connection status transition ${from} → ${to}`)
  })

  it.each(STATUSES)('lets %s stay where it is', (status) => {
    expect(transitionStatus(status, status)).toBe(status)
  })

  it('treats closed as terminal', () => {
    expect(STATUS_TRANSITIONS.closed).toEqual([])
    for (const next of STATUSES.filter((status) => status !== 'closed')) {
      expect(() => transitionStatus('closed', next), `closed → ${next}`).toThrow()
    }
  })

  it('can close from every status and never lists a status as its own successor', () => {
    for (const status of STATUSES) {
      expect(() => transitionStatus(status, 'closed'), status).not.toThrow()
      expect(STATUS_TRANSITIONS[status], status).not.toContain(status)
    }
  })

  it('never jumps straight from connecting or offline to synced', () => {
    expect(() => transitionStatus('connecting', 'synced')).toThrow()
    expect(() => transitionStatus('offline', 'synced')).toThrow()
  })

  it('lets failed only close: a refused client never reconnects by itself', () => {
    expect(STATUS_TRANSITIONS.failed).toEqual(['closed'])
    for (const status of STATUSES.filter((candidate) => candidate !== 'failed' && candidate !== 'closed')) {
      expect(STATUS_TRANSITIONS[status], status).toContain('failed')
    }
  })
})
