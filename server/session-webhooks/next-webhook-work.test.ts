import { describe, expect, it } from 'vitest'
import { nextWebhookWork, type WebhookWorkInput } from './next-webhook-work.ts'
import type { WebhookCursor } from './webhook-records.ts'

const input: WebhookWorkInput = {
  endpointId: 'pipe',
  sessionId: 's1',
  stream: { createdAtMs: 100, messageCount: 3 },
  holder: 'node-a',
  leaseId: 'lease-2',
  nowMs: 1_000,
  leaseMs: 500,
}

const cursor = (fields: Partial<WebhookCursor> = {}): WebhookCursor => ({
  endpointId: 'pipe',
  sessionId: 's1',
  streamCreatedAtMs: 100,
  delivered: 1,
  attempts: 0,
  replay: [],
  deadLetters: [],
  ...fields,
})

describe('nextWebhookWork', () => {
  it('starts a session without a cursor at its first event, under a lease of this node', () => {
    const work = nextWebhookWork(undefined, input)
    expect(work).toEqual({
      kind: 'deliver',
      cursor: { ...cursor({ delivered: 0 }), lease: { holder: 'node-a', id: 'lease-2', expiresAtMs: 1_500 } },
    })
  })

  it('writes nothing for an empty session without a cursor', () => {
    expect(nextWebhookWork(undefined, { ...input, stream: { createdAtMs: 100, messageCount: 0 } })).toEqual({
      kind: 'idle',
      cursor: undefined,
    })
  })

  it('leaves a delivered cursor as it is stored', () => {
    const stored = cursor({ delivered: 3 })
    const work = nextWebhookWork(stored, input)
    expect(work.kind).toBe('idle')
    expect(work.cursor).toBe(stored)
  })

  it('waits for the lease of another node until it runs out, then takes over', () => {
    const held = cursor({ lease: { holder: 'node-b', id: 'lease-1', expiresAtMs: 1_200 } })
    expect(nextWebhookWork(held, input)).toEqual({ kind: 'wait', untilMs: 1_200, cursor: held })
    const taken = nextWebhookWork(held, { ...input, nowMs: 1_200 })
    expect(taken.kind).toBe('deliver')
    expect(taken.cursor?.lease).toEqual({ holder: 'node-a', id: 'lease-2', expiresAtMs: 1_700 })
  })

  it('waits for a scheduled retry and drops its own lease meanwhile', () => {
    const scheduled = cursor({ nextAttemptAtMs: 1_300, lease: { holder: 'node-a', id: 'lease-1', expiresAtMs: 1_400 } })
    expect(nextWebhookWork(scheduled, input)).toEqual({
      kind: 'wait',
      untilMs: 1_300,
      cursor: cursor({ nextAttemptAtMs: 1_300 }),
    })
    expect(nextWebhookWork(scheduled, { ...input, nowMs: 1_300 }).kind).toBe('deliver')
  })

  it('delivers queued replays even when every event was delivered', () => {
    const letter = { key: 's1:x', index: 1, offset: 'x', kind: 'steer', attempts: 8, lastError: 'timeout', deadAtMs: 1 }
    expect(nextWebhookWork(cursor({ delivered: 3, replay: [letter] }), input).kind).toBe('deliver')
  })

  it('starts over, without the old dead letters, when the session was deleted and created again', () => {
    const letter = { key: 's1:x', index: 1, offset: 'x', kind: 'steer', attempts: 8, lastError: 'timeout', deadAtMs: 1 }
    const work = nextWebhookWork(cursor({ delivered: 3, deadLetters: [letter] }), {
      ...input,
      stream: { createdAtMs: 900, messageCount: 1 },
    })
    expect(work.kind).toBe('deliver')
    expect(work.cursor).toMatchObject({ delivered: 0, deadLetters: [], streamCreatedAtMs: 900 })
  })
})
