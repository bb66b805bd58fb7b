/**
 * Presence through Yjs awareness: each device sees the others with their principal and device label, and a
 * device that leaves disappears from the others' lists. The grace period's timing is unit-tested with fake timers in
 * client/agent/user-presence.test.ts.
 */
import { describe, expect } from 'vitest'
import { test } from '../testing/fixtures.ts'

describe('presence', () => {
  test('lists every connected device and drops one that leaves', async ({ connectClient }) => {
    const phone = connectClient({ principalId: 'alice', device: 'phone' })
    const laptop = connectClient({ principalId: 'alice', device: 'laptop' })
    await Promise.all([phone.waitForSynced(), laptop.waitForSynced()])
    const devices = (members: ReturnType<typeof phone.presence>) =>
      members.map((member) => `${member.principalId}/${member.device ?? ''}${member.self ? '*' : ''}`).sort()
    await expect.poll(() => devices(phone.presence()), { timeout: 5_000 }).toEqual(['alice/laptop', 'alice/phone*'])
    await expect.poll(() => devices(laptop.presence()), { timeout: 5_000 }).toEqual(['alice/laptop*', 'alice/phone'])
    laptop.destroy()
    await expect.poll(() => devices(phone.presence()), { timeout: 5_000 }).toEqual(['alice/phone*'])
  })
})

describe('user presence for agents', () => {
  test('reports user-left only when every device of the user is gone past the grace, and user-returned', async ({
    connectClient,
    connectAgent,
  }) => {
    const agent = await connectAgent()
    const events: string[] = []
    agent.onUserPresence((event) => {
      events.push(`${event.type}:${event.principalId}`)
    }, 1_500)
    const phone = connectClient({ principalId: 'alice', device: 'phone' })
    const laptop = connectClient({ principalId: 'alice', device: 'laptop' })
    await Promise.all([phone.waitForSynced(), laptop.waitForSynced()])
    const aliceDevices = () => agent.client.presence().filter((member) => member.principalId === 'alice').length
    await expect.poll(aliceDevices, { timeout: 5_000 }).toBe(2)
    phone.destroy()
    await expect.poll(aliceDevices, { timeout: 5_000 }).toBe(1)
    // A refresh: the last device goes and a new one comes within the grace period.
    laptop.destroy()
    const refreshed = connectClient({ principalId: 'alice', device: 'laptop' })
    await refreshed.waitForSynced()
    await expect.poll(aliceDevices, { timeout: 5_000 }).toBe(1)
    expect(events).toEqual([])
    refreshed.destroy()
    await expect.poll(() => events, { timeout: 5_000 }).toEqual(['user-left:alice'])
    const back = connectClient({ principalId: 'alice', device: 'tablet' })
    await back.waitForSynced()
    await expect.poll(() => events, { timeout: 5_000 }).toEqual(['user-left:alice', 'user-returned:alice'])
  })
})
