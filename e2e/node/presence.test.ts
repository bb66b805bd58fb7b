/**
 * Presence through Yjs awareness: each device sees the others with their principal and device label, and a
 * device that leaves disappears from the others' lists.
 */
import { describe, expect } from 'vitest'
import { test } from '../testing/fixtures.ts'

describe('presence', () => {
  test('lists every connected device and drops one that leaves', async ({ connectClient }) => {
    const phone = connectClient({ principalId: 'alice', device: 'phone' })
    const laptop = connectClient({ principalId: 'alice', device: 'laptop' })
    await Promise.all([phone.waitForSynced(), laptop.waitForSynced()])
    const devices = (members: ReturnType<typeof phone.presence>) => members.map((member) => `${member.principalId}/${member.device ?? ''}${member.self ? '*' : ''}`).sort()
    await expect.poll(() => devices(phone.presence()), { timeout: 5_000 }).toEqual(['alice/laptop', 'alice/phone*'])
    await expect.poll(() => devices(laptop.presence()), { timeout: 5_000 }).toEqual(['alice/laptop*', 'alice/phone'])
    laptop.destroy()
    await expect.poll(() => devices(phone.presence()), { timeout: 5_000 }).toEqual(['alice/phone*'])
  })
})
