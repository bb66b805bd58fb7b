/**
 * The destructive-action policy as a table: who may delete a session with which owner, and that a token for another
 * session is refused before the record is read.
 */
import { describe, expect, it } from 'vitest'
import type { PrincipalRole, TokenClaims } from '../../shared/auth/token-claims.ts'
import type { SessionRecord } from '../persistence/update-log.ts'
import { authorizeSessionAction, describeAttempt } from './authorize-session-action.ts'

const record = (owner: string | null): SessionRecord => ({ id: 's_1', title: '', createdAt: 1, updatedAt: 2, owner })
const claims = (sub: string, role: PrincipalRole, extra: Partial<TokenClaims> = {}): TokenClaims => ({
  sub,
  role,
  session: 's_1',
  exp: 2_000_000_000,
  ...extra,
})

async function decide(who: TokenClaims | undefined, owner: string | null): Promise<string> {
  const decision = await authorizeSessionAction({ action: 'delete', sessionId: 's_1', claims: who }, async () =>
    record(owner),
  )
  return decision.outcome === 'allowed' ? 'allowed' : decision.error.code
}

describe('authorizeSessionAction', () => {
  it.each<[string, TokenClaims | undefined, string | null, string]>([
    ['anyone on an open server', undefined, 'alice', 'allowed'],
    ['anyone on an open server, ownerless session', undefined, null, 'allowed'],
    ['the owner as user', claims('alice', 'user'), 'alice', 'allowed'],
    ['the owner as agent', claims('alice', 'agent'), 'alice', 'allowed'],
    ['the owner as observer', claims('alice', 'observer'), 'alice', 'NOT_SESSION_OWNER'],
    ['another user', claims('bob', 'user'), 'alice', 'NOT_SESSION_OWNER'],
    ['an agent that is not the owner', claims('agent-1', 'agent'), 'alice', 'NOT_SESSION_OWNER'],
    ['an observer', claims('auditor', 'observer'), 'alice', 'NOT_SESSION_OWNER'],
    ['a user, ownerless session', claims('alice', 'user'), null, 'NOT_SESSION_OWNER'],
    ['an admin observer', claims('ops', 'observer', { admin: true }), 'alice', 'allowed'],
    ['an admin, ownerless session', claims('ops', 'user', { admin: true }), null, 'allowed'],
    ['admin: false', claims('bob', 'user', { admin: false }), 'alice', 'NOT_SESSION_OWNER'],
    ['the owner with a token for another session', claims('alice', 'user', { session: 's_2' }), 'alice', 'FORBIDDEN'],
    [
      'an admin with a token for another session',
      claims('ops', 'user', { session: 's_2', admin: true }),
      'alice',
      'FORBIDDEN',
    ],
    ['the owner with a token for every session', claims('alice', 'user', { session: '*' }), 'alice', 'allowed'],
  ])('%s → %s', async (_label, who, owner, expected) => {
    expect(await decide(who, owner)).toBe(expected)
  })

  it('refuses a token for another session without reading the record, and answers 404 to one that opens it', async () => {
    let reads = 0
    const readRecord = async (): Promise<undefined> => {
      reads++
    }
    const stranger = await authorizeSessionAction(
      { action: 'delete', sessionId: 's_1', claims: claims('mallory', 'user', { session: 's_2' }) },
      readRecord,
    )
    expect(stranger).toMatchObject({ outcome: 'refused', error: { code: 'FORBIDDEN' } })
    expect(reads).toBe(0)
    await expect(
      authorizeSessionAction({ action: 'delete', sessionId: 's_1', claims: claims('alice', 'user') }, readRecord),
    ).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' })
    expect(reads).toBe(1)
  })

  it('describes an attempt for security events: principal, role and admin only when there is a token', () => {
    expect(
      describeAttempt({ action: 'delete', sessionId: 's_1', claims: claims('ops', 'agent', { admin: true }) }),
    ).toEqual({ sessionId: 's_1', action: 'delete', principalId: 'ops', role: 'agent', admin: true })
    expect(describeAttempt({ action: 'delete', sessionId: 's_1', claims: undefined })).toEqual({
      sessionId: 's_1',
      action: 'delete',
    })
  })
})
