import { describe, expect, it } from 'vitest'
import { orderFromEvents } from './order-from-events.ts'
import type { SessionEvent } from './session-events.ts'

const created = (messageId: string, after: string | null): SessionEvent => ({
  type: 'message.created',
  messageId,
  after,
  role: 'user',
  author: 'alice',
  createdAt: 1,
})

describe('orderFromEvents (PROTOCOL.md §11)', () => {
  it('places each new message right after the one it names, first for null', () => {
    const events = [
      created('u1', null),
      { type: 'message.delta', messageId: 'u1', part: 0, partType: 'text', text: 'hi' } as const,
      created('u2', 'u1'),
      created('r1', 'u1'),
      created('t1', 'r1'),
      created('u0', null),
    ]
    expect(orderFromEvents(events)).toEqual(['u0', 'u1', 'r1', 't1', 'u2'])
  })

  it('puts a message without a known `after` last and ignores a repeated id', () => {
    const { after: _, ...withoutAfter } = created('old', null) as Extract<SessionEvent, { type: 'message.created' }>
    const events = [
      created('a', null),
      withoutAfter as SessionEvent,
      created('b', 'nobody'),
      created('self', 'self'),
      created('a', 'b'),
    ]
    expect(orderFromEvents(events)).toEqual(['a', 'old', 'b', 'self'])
  })
})
