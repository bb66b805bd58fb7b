/**
 * The server announces its presence timeout (PROTOCOL.md §10.3) and the SDK renews presence at least every third of
 * it (§8.5), whatever its own heartbeat option says. A server with a timeout far below the SDK's default heartbeat
 * (600 ms against 5000 ms) keeps a live device in presence: the device renews again and again, and the other device
 * never sees it go. Without the announcement the server would drop it after 600 ms and no renewal would come for 5 s.
 */
import { describe, expect } from 'vitest'
import { testWithStore } from '../testing/fixtures.ts'

const PRESENCE_TIMEOUT_MS = 600
/** Renewals the device must make while it is watched. */
const RENEWALS = 4

const test = testWithStore('sqlite', { presenceTimeoutMs: PRESENCE_TIMEOUT_MS })

describe('announced presence timeout', () => {
  test('a device on the default heartbeat renews within a short announced timeout and never leaves presence', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const bob = connectClient({ principalId: 'bob', device: 'laptop' })
    const alice = connectClient({ principalId: 'alice', device: 'phone' })
    await Promise.all([bob.waitForSynced(), alice.waitForSynced()])
    const aliceShown = (): boolean => bob.presence().some((member) => member.principalId === 'alice')
    await expect.poll(aliceShown).toBe(true)
    let droppedAlice = false
    bob.on('presence', () => {
      if (!aliceShown()) droppedAlice = true
    })
    const awareness = server.hocuspocus.documents.get(sessionId)?.awareness
    const clockOfAlice = (): number => awareness?.meta.get(alice.doc.clientID)?.clock ?? 0
    const start = clockOfAlice()
    await expect.poll(clockOfAlice, { timeout: 5_000 }).toBeGreaterThanOrEqual(start + RENEWALS)
    expect(droppedAlice).toBe(false)
    expect(aliceShown()).toBe(true)
  })
})
