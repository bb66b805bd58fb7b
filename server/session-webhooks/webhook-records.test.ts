import { describe, expect, it } from 'vitest'
import { receives } from './webhook-records.ts'

describe('receives', () => {
  it('matches a kind and the event types below it, nothing else', () => {
    expect(receives(['policy'], 'policy')).toBe(true)
    expect(receives(['policy'], 'policy.decision')).toBe(true)
    expect(receives(['policy'], 'policyx')).toBe(false)
    expect(receives(['message.done', 'steer'], 'message.done')).toBe(true)
    expect(receives(['message.done', 'steer'], 'message.delta')).toBe(false)
    expect(receives(['message.created'], 'message.part')).toBe(false)
  })
})
