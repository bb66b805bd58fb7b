/**
 * createFrameGate with an injected clock: frame and byte buckets, refill, and the first violation closing once.
 */
import { describe, expect, it } from 'vitest'
import * as encoding from 'lib0/encoding'
import type { SecurityEvent } from '../auth/security-event.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import { createFrameGate } from './frame-gate.ts'
import { ERROR_CODES } from '../../shared/errors/error-codes.ts'

function frameFor(sessionId: string, bytes: number): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, sessionId)
  encoding.writeUint8Array(encoder, new Uint8Array(Math.max(0, bytes - sessionId.length - 1)))
  return encoding.toUint8Array(encoder)
}

function setup(limits: { framesPerSecond: number; frameBurst: number; bytesPerSecond: number; byteBurst: number }) {
  let clock = 0
  const closes: SessionError[] = []
  const events: SecurityEvent[] = []
  const admit = createFrameGate({
    limits,
    now: () => clock,
    close: (error) => {
      closes.push(error)
    },
    onSecurityEvent: (event) => {
      events.push(event)
    },
  })
  return {
    admit,
    closes,
    events,
    advance: (ms: number) => {
      clock += ms
    },
  }
}

describe('createFrameGate', () => {
  it('admits a burst, refills at the rate, and closes once with RATE_LIMITED on the first frame over', () => {
    const gate = setup({ framesPerSecond: 10, frameBurst: 5, bytesPerSecond: 1e9, byteBurst: 1e9 })
    const frame = frameFor('s-1', 10)
    expect(Array.from({ length: 5 }, () => gate.admit(frame))).toEqual([true, true, true, true, true])
    gate.advance(100) // one frame's worth
    expect(gate.admit(frame)).toBe(true)
    expect(gate.closes).toEqual([])
    expect(gate.admit(frame)).toBe(false)
    gate.advance(10_000)
    expect(gate.admit(frame)).toBe(false) // closed for good
    expect(gate.closes.map((error) => [error.code, error.closeCode, error.retryable])).toEqual([
      ['RATE_LIMITED', ERROR_CODES.RATE_LIMITED.closeCode, true],
    ])
    expect(gate.events.map((event) => [event.kind, event.sessionId, event.error.code])).toEqual([
      ['limit-exceeded', 's-1', 'RATE_LIMITED'],
    ])
  })

  it('counts bytes separately: a steady byte rate passes, a burst over the byte budget closes', () => {
    const gate = setup({ framesPerSecond: 1e6, frameBurst: 1e6, bytesPerSecond: 1_000, byteBurst: 2_000 })
    const frame = frameFor('s-2', 500)
    for (let second = 0; second < 10; second++) {
      expect(gate.admit(frame)).toBe(true)
      expect(gate.admit(frame)).toBe(true)
      gate.advance(1_000)
    }
    expect([gate.admit(frame), gate.admit(frame), gate.admit(frame), gate.admit(frame), gate.admit(frame)]).toEqual([
      true,
      true,
      true,
      true,
      false,
    ])
    expect(gate.closes).toHaveLength(1)
  })

  it("reports the session id without the provider's suffix", () => {
    const gate = setup({ framesPerSecond: 1, frameBurst: 1, bytesPerSecond: 1e9, byteBurst: 1e9 })
    const frame = frameFor('s-3\0provider-7', 30)
    expect(gate.admit(frame)).toBe(true)
    expect(gate.admit(frame)).toBe(false)
    expect(gate.events.map((event) => event.sessionId)).toEqual(['s-3'])
  })

  it('reports an empty session id for a frame that does not start with one', () => {
    const gate = setup({ framesPerSecond: 1, frameBurst: 1, bytesPerSecond: 1e9, byteBurst: 1e9 })
    const garbage = new Uint8Array([0xff, 0xff, 0xff])
    expect(gate.admit(garbage)).toBe(true)
    expect(gate.admit(garbage)).toBe(false)
    expect(gate.events[0]?.sessionId).toBe('')
  })
})
