import { describe, expect, it } from 'vitest'
import { isSessionError } from '../../shared/errors/session-error.ts'
import { checkProducer } from './check-producer.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'

function errorOf(run: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    run()
  } catch (error) {
    if (isSessionError(error)) return { code: error.code, details: { ...error.details } }
    throw error
  }
  throw new Error('expected a SessionError')
}

describe('checkProducer (PROTOCOL.md §9.4)', () => {
  it('accepts a new producer at seq 0 and the next seq of the same epoch', () => {
    expect(checkProducer(undefined, { id: 'p', epoch: 0, seq: 0 })).toEqual({
      kind: 'accept',
      state: { epoch: 0, seq: 0 },
    })
    expect(checkProducer({ epoch: 0, seq: 0 }, { id: 'p', epoch: 0, seq: 1 })).toEqual({
      kind: 'accept',
      state: { epoch: 0, seq: 1 },
    })
  })

  it('answers a seq at or below the last as a duplicate', () => {
    expect(checkProducer({ epoch: 2, seq: 5 }, { id: 'p', epoch: 2, seq: 5 })).toEqual({
      kind: 'duplicate',
      state: { epoch: 2, seq: 5 },
    })
    expect(checkProducer({ epoch: 2, seq: 5 }, { id: 'p', epoch: 2, seq: 1 }).kind).toBe('duplicate')
  })

  it('refuses a gap with the expected and received seq', () => {
    const error = errorOf(() => checkProducer({ epoch: 0, seq: 3 }, { id: 'p', epoch: 0, seq: 5 }))
    expect(error.code).toBe('PRODUCER_SEQ_GAP')
    expect(error.details.headers).toEqual({
      [STREAM_HEADERS.PRODUCER_EXPECTED_SEQ]: '4',
      [STREAM_HEADERS.PRODUCER_RECEIVED_SEQ]: '5',
    })
  })

  it('fences a stale epoch and names the current one', () => {
    const error = errorOf(() => checkProducer({ epoch: 3, seq: 0 }, { id: 'p', epoch: 2, seq: 9 }))
    expect(error.code).toBe('PRODUCER_FENCED')
    expect(error.details.headers).toEqual({ [STREAM_HEADERS.PRODUCER_EPOCH]: '3' })
  })

  it('starts a newer epoch at seq 0 only', () => {
    expect(checkProducer({ epoch: 1, seq: 7 }, { id: 'p', epoch: 2, seq: 0 })).toEqual({
      kind: 'accept',
      state: { epoch: 2, seq: 0 },
    })
    expect(errorOf(() => checkProducer({ epoch: 1, seq: 7 }, { id: 'p', epoch: 2, seq: 1 })).code).toBe('BAD_REQUEST')
  })
})
