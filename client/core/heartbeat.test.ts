/**
 * The heartbeat on an injected clock: quiet connections are probed, unanswered probes time out within the promised
 * bound, and any incoming frame keeps a connection alive.
 */
import { describe, expect, it } from 'vitest'
import { createHeartbeat, DEFAULT_HEARTBEAT } from './heartbeat.ts'

function setup() {
  let time = 0
  const calls: string[] = []
  let stopped = false
  const heartbeat = createHeartbeat({
    ...DEFAULT_HEARTBEAT,
    now: () => time,
    every: () => () => {
      stopped = true
    },
    probe: () => calls.push(`probe@${time}`),
    onTimeout: () => calls.push(`timeout@${time}`),
  })
  /** Moves the clock in steps of `stepMs`, checking after each, as the periodic timer would. */
  const advance = (ms: number, stepMs = 250): void => {
    for (let passed = 0; passed < ms; passed += stepMs) {
      time += stepMs
      heartbeat.check()
    }
  }
  return { heartbeat, calls, advance, isStopped: () => stopped }
}

describe('heartbeat', () => {
  it('does nothing before a connection is established', () => {
    const { calls, advance } = setup()
    advance(10_000)
    expect(calls).toEqual([])
  })

  it('probes a quiet connection and gives up on it within 3 s when nothing answers', () => {
    const { heartbeat, calls, advance } = setup()
    heartbeat.connected()
    advance(3_000)
    expect(calls).toEqual(['probe@1000', 'timeout@2500'])
    advance(5_000)
    expect(calls).toHaveLength(2)
  })

  it('keeps an answering connection: an answer ends the probe, a busy connection is never probed', () => {
    const { heartbeat, calls, advance } = setup()
    heartbeat.connected()
    advance(1_000)
    expect(calls).toEqual(['probe@1000'])
    heartbeat.received()
    for (let step = 0; step < 20; step++) {
      advance(500)
      heartbeat.received()
    }
    expect(calls).toEqual(['probe@1000'])
    advance(1_000)
    expect(calls).toEqual(['probe@1000', 'probe@12000'])
  })

  it('stops watching while disconnected and starts afresh on the next connection', () => {
    const { heartbeat, calls, advance, isStopped } = setup()
    heartbeat.connected()
    advance(1_000)
    heartbeat.disconnected()
    advance(5_000)
    expect(calls).toEqual(['probe@1000'])
    heartbeat.connected()
    advance(2_500)
    expect(calls).toEqual(['probe@1000', 'probe@7000', 'timeout@8500'])
    heartbeat.stop()
    expect(isStopped()).toBe(true)
  })

  it('refuses times that are not positive', () => {
    expect(() => createHeartbeat({ intervalMs: 0, timeoutMs: 1, probe() {}, onTimeout() {} })).toThrow(TypeError)
  })
})
