/**
 * People and display names (PROTOCOL.md §1.3, §8.4) on a server with auth on: a name set on one device shows on
 * every client, a token's `name` claim seeds the entry, presence groups devices by person with agents marked, and
 * nobody can set another person's name — refused in-band with UPDATE_REJECTED, the stored name untouched.
 */
import { describe, expect } from 'vitest'
import type { SessionError } from '../../shared/errors/session-error.ts'
import { SESSION_ROOTS } from '../../shared/session/session-schema.ts'
import { test as openTest, testWithStore } from '../testing/fixtures.ts'
import { AUTH_ON, tokenFor } from '../testing/test-tokens.ts'

const test = testWithStore('sqlite', AUTH_ON)

describe('people', () => {
  test('names set on one device show everywhere; devices grouped by person; the name claim seeds', async ({
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const agent = await connectAgent({ agentId: 'writer', token: tokenFor('writer', 'agent', sessionId) })
    const laptop = connectClient({
      principalId: 'alice',
      device: 'laptop',
      token: tokenFor('alice', 'user', sessionId),
    })
    const phone = connectClient({ principalId: 'alice', device: 'phone', token: tokenFor('alice', 'user', sessionId) })
    const bob = connectClient({
      principalId: 'bob',
      device: 'laptop',
      token: tokenFor('bob', 'user', sessionId, { name: 'Bob Builder' }),
    })
    await Promise.all([laptop.waitForSynced(), phone.waitForSynced(), bob.waitForSynced()])
    expect(laptop.setDisplayName('  Ada \n Lovelace ')).toBe('Ada Lovelace')
    agent.client.setDisplayName('Writer')
    await expect.poll(() => phone.person('alice')?.name).toBe('Ada Lovelace')
    await expect.poll(() => laptop.person('bob')?.name).toBe('Bob Builder')
    const summary = () =>
      bob.presenceByPerson().map((person) => ({
        principalId: person.principalId,
        name: person.name,
        initials: person.initials,
        isAgent: person.isAgent,
        self: person.self,
        devices: person.devices.map((member) => member.device ?? '').sort(),
      }))
    await expect.poll(summary).toEqual([
      { principalId: 'bob', name: 'Bob Builder', initials: 'BB', isAgent: false, self: true, devices: ['laptop'] },
      {
        principalId: 'alice',
        name: 'Ada Lovelace',
        initials: 'AL',
        isAgent: false,
        self: false,
        devices: ['laptop', 'phone'],
      },
      { principalId: 'writer', name: 'Writer', initials: 'W', isAgent: true, self: false, devices: [''] },
    ])
    // A claim seeds only: a name the person set is kept when it connects again with the claim.
    bob.setDisplayName('Robert')
    await bob.waitUntilDurable()
    bob.destroy()
    const again = connectClient({
      principalId: 'bob',
      token: tokenFor('bob', 'user', sessionId, { name: 'Bob Builder' }),
    })
    await again.waitForSynced()
    expect(again.person('bob')?.name).toBe('Robert')
  })

  test("a user cannot set another person's name, and an observer none", async ({ sessionId, connectClient }) => {
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    const mallory = connectClient({ principalId: 'mallory', token: tokenFor('mallory', 'user', sessionId) })
    const observer = connectClient({ principalId: 'eve', token: tokenFor('eve', 'observer', sessionId) })
    await Promise.all([alice.waitForSynced(), mallory.waitForSynced(), observer.waitForSynced()])
    alice.setDisplayName('Alice')
    await alice.waitUntilDurable()
    await expect.poll(() => mallory.person('alice')?.name).toBe('Alice')

    const refused = new Promise<SessionError>((resolve) => {
      mallory.on('error', resolve)
    })
    // Past the SDK, straight into the document: the server is the one that must refuse.
    mallory.doc.getMap(SESSION_ROOTS.PEOPLE).set('alice', { name: 'Mallory was here', setAt: Date.now() })
    const error = await refused
    expect(error.code).toBe('UPDATE_REJECTED')
    expect(error.details.reason).toBe('FORBIDDEN_PARENT')
    // Her own name still goes through on the fresh replica; alice's is unchanged everywhere.
    mallory.setDisplayName('Mallory')
    await mallory.waitUntilDurable()
    const fresh = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
    await fresh.waitForSynced()
    expect(fresh.person('alice')?.name).toBe('Alice')
    expect(fresh.person('mallory')?.name).toBe('Mallory')
    expect(alice.person('alice')?.name).toBe('Alice')

    expect(() => observer.setDisplayName('Eve')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }))
    expect(() => alice.setDisplayName(' \n ')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
    expect(() => alice.setDisplayName('x'.repeat(65))).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }))
  })

  test('a name past the cap written past the SDK is refused as a schema mismatch', async ({
    sessionId,
    connectClient,
  }) => {
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    const refused = new Promise<SessionError>((resolve) => {
      alice.on('error', resolve)
    })
    alice.doc.getMap(SESSION_ROOTS.PEOPLE).set('alice', { name: 'x'.repeat(65), setAt: Date.now() })
    const error = await refused
    expect(error.details.reason).toBe('SCHEMA_MISMATCH')
    await alice.waitForSynced()
    expect(alice.person('alice')).toBeUndefined()
  })
})

describe('people on an open server', () => {
  openTest("anyone may set anyone's name: names are claims there", async ({ connectClient }) => {
    const alice = connectClient({ principalId: 'alice' })
    const bob = connectClient({ principalId: 'bob' })
    await Promise.all([alice.waitForSynced(), bob.waitForSynced()])
    alice.setDisplayName('Alice')
    await expect.poll(() => bob.person('alice')?.name).toBe('Alice')
    bob.doc.getMap(SESSION_ROOTS.PEOPLE).set('alice', { name: 'Set by Bob', setAt: Date.now() })
    await bob.waitUntilDurable()
    await expect.poll(() => alice.person('alice')?.name).toBe('Set by Bob')
  })
})
