/**
 * The flush policy's decisions: `adaptive` writes at once when nothing is unacknowledged and releases the buffer
 * with the acknowledgement; `window` waits for its timer; both write when the buffer reaches its size limit, which
 * is larger while an update is unacknowledged.
 */
import { describe, expect, it } from 'vitest'
import { type FlushLimits, flushAfterAck, flushAfterToken } from './flush-policy.ts'

const limits = (mode: FlushLimits['mode']): FlushLimits => ({ mode, maxBufferChars: 10, maxBusyBufferChars: 40 })

describe('flushAfterToken', () => {
  it('adaptive: now when nothing is unacknowledged, else wait until the busy limit', () => {
    expect(flushAfterToken(limits('adaptive'), 1, 0)).toBe('now')
    expect(flushAfterToken(limits('adaptive'), 1, 1)).toBe('wait')
    expect(flushAfterToken(limits('adaptive'), 39, 3)).toBe('wait')
    expect(flushAfterToken(limits('adaptive'), 40, 3)).toBe('now')
  })

  it('window: waits until the idle limit when nothing is unacknowledged, and until the busy limit otherwise', () => {
    expect(flushAfterToken(limits('window'), 9, 0)).toBe('wait')
    expect(flushAfterToken(limits('window'), 10, 0)).toBe('now')
    expect(flushAfterToken(limits('window'), 10, 1)).toBe('wait')
    expect(flushAfterToken(limits('window'), 40, 1)).toBe('now')
  })
})

describe('flushAfterAck', () => {
  it('adaptive releases a non-empty buffer once nothing is unacknowledged', () => {
    expect(flushAfterAck(limits('adaptive'), 5, 0)).toBe(true)
    expect(flushAfterAck(limits('adaptive'), 5, 2)).toBe(false)
    expect(flushAfterAck(limits('adaptive'), 0, 0)).toBe(false)
  })

  it('window never flushes on an acknowledgement', () => {
    expect(flushAfterAck(limits('window'), 5, 0)).toBe(false)
  })
})
