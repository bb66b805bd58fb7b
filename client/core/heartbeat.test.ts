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
  /** Moves the clock without a check: the page was frozen, or the machine asleep, meanwhile. */
  const jump = (ms: number): void => {
    time += ms
  }
  return { heartbeat, calls, advance, jump, isStopped: () => stopped }
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

  it('waits longer on a server that answers slowly, and back to the defaults once it answers quickly', () => {
    const { heartbeat, calls, advance } = setup()
    heartbeat.connected()
    advance(2_250)
    expect(calls).toEqual(['probe@1000'])
    heartbeat.received() // answered after 1250 ms: the next probe waits 3 × 1250 ms, and so does its answer
    advance(3_500)
    expect(calls).toEqual(['probe@1000'])
    advance(250)
    expect(calls).toEqual(['probe@1000', 'probe@6000'])
    advance(3_500)
    expect(calls).toEqual(['probe@1000', 'probe@6000'])
    heartbeat.received() // answered after 3500 ms, though over the default timeout
    advance(10_500)
    expect(calls).toEqual(['probe@1000', 'probe@6000', 'probe@20000'])
    // Probes answered at once halve the recent answer time (3500, 1750, 875, 437.5, 218.75 ms) until 3 × it is
    // under the defaults again.
    for (let answer = 0; answer < 4; answer++) {
      heartbeat.received()
      const probes = calls.length
      while (calls.length === probes) advance(250)
    }
    heartbeat.received()
    const answeredAt = Number(calls.at(-1)?.slice('probe@'.length))
    advance(2_500)
    expect(calls.slice(-2)).toEqual([`probe@${answeredAt + 1_000}`, `timeout@${answeredAt + 2_500}`])
  })

  it('waits at most 30 s however late an answer came (a page frozen or a machine asleep while a probe was out)', () => {
    const { heartbeat, calls, advance, jump } = setup()
    heartbeat.connected()
    advance(1_000)
    expect(calls).toEqual(['probe@1000'])
    jump(3_600_000) // an hour passes before the answer is read, and before any check
    heartbeat.received()
    const answeredAt = 3_601_000
    advance(30_000)
    expect(calls).toEqual(['probe@1000', `probe@${answeredAt + 30_000}`])
    heartbeat.received() // answered at once: the recent answer time halves from 10 s, not from an hour
    advance(15_000)
    expect(calls.at(-1)).toBe(`probe@${answeredAt + 45_000}`)
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
