/**
 * Awareness identity is rebuilt from the token: principal and role forced, device label kept short, other fields
 * kept for users and agents and dropped for observers, oversized states refused.
 */
import { describe, expect, it } from 'vitest'
import { MAX_AWARENESS_STATE_CHARS, MAX_DEVICE_LABEL_CHARS } from '../../shared/auth/update-rejection.ts'
import { rewriteAwarenessState } from './rewrite-awareness.ts'

describe('rewriteAwarenessState', () => {
  it('replaces a claimed identity with the token principal and keeps other fields', () => {
    const state = {
      member: { principalId: 'agent-1', role: 'agent', device: 'laptop', admin: true },
      cursor: { index: 3 },
    }
    expect(rewriteAwarenessState(state, { id: 'mallory', role: 'user' })).toEqual({
      member: { principalId: 'mallory', role: 'user', device: 'laptop' },
      cursor: { index: 3 },
    })
  })

  it('adds an identity to a state that has none and shortens long device labels', () => {
    expect(rewriteAwarenessState({ typing: true }, { id: 'alice', role: 'user' })).toEqual({
      typing: true,
      member: { principalId: 'alice', role: 'user' },
    })
    const long = rewriteAwarenessState({ member: { device: 'd'.repeat(500) } }, { id: 'alice', role: 'user' }) as {
      member: { device: string }
    }
    expect(long.member.device).toHaveLength(MAX_DEVICE_LABEL_CHARS)
  })

  it('reduces an observer to its identity', () => {
    expect(
      rewriteAwarenessState(
        { member: { principalId: 'x', device: 'wall' }, announcement: 'hello all' },
        { id: 'auditor', role: 'observer' },
      ),
    ).toEqual({ member: { principalId: 'auditor', role: 'observer', device: 'wall' } })
  })

  it('refuses states larger than the cap', () => {
    expect(
      rewriteAwarenessState({ blob: 'x'.repeat(MAX_AWARENESS_STATE_CHARS) }, { id: 'alice', role: 'user' }),
    ).toBeUndefined()
  })
})
