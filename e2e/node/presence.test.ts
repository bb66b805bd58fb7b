/**
 * Presence through Yjs awareness: each device sees the others with their principal and device label, and a
 * device that leaves disappears from the others' lists. The grace period's timing is unit-tested with fake timers in
 * client/agent/user-presence.test.ts. The session event stream records a change of the members, and a renewal
 * that changes none costs no store access.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { SESSION_STREAM_NAMESPACE } from '../../shared/protocol/session-stream-path.ts'
import { test } from '../testing/fixtures.ts'
import { openTestStreamStore } from '../testing/test-stream-store.ts'

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

describe('presence in the session event stream', () => {
  test('an awareness renewal that changes no member reads and writes nothing; a change is recorded', async ({
    store,
    startServer,
    sessionId,
  }) => {
    const streams = await openTestStreamStore(store)
    const path = `${SESSION_STREAM_NAMESPACE}${sessionId}`
    /** Calls to the store for the session's stream (each reads its record), and the presence last committed. */
    let calls = 0
    let presence = ''
    const server = await startServer({
      streams: {
        store: {
          ...streams,
          change: async (changed, decide) => {
            if (changed !== path) return await streams.change(changed, decide)
            calls++
            const committed = await streams.change(changed, decide)
            const state = committed?.meta.state as { presence?: string } | undefined
            if (state?.presence !== undefined) presence = state.presence
            return committed
          },
        },
      },
    })
    const socket = new HocuspocusProviderWebsocket({ url: server.websocketUrl, WebSocketPolyfill: NodeWebSocket })
    const provider = new HocuspocusProvider({ websocketProvider: socket, name: sessionId, document: new Y.Doc() })
    provider.attach()
    try {
      await expect.poll(() => provider.synced).toBe(true)
      const member = (device: string) => ({ principalId: 'alice', device })
      provider.setAwarenessField('member', member('phone'))
      await expect.poll(() => presence).toContain('"device":"phone"')
      const before = calls
      // Renewals, as a device sends every few seconds: the same state again.
      for (let renewal = 0; renewal < 5; renewal++)
        provider.awareness?.setLocalState({ ...provider.awareness.getLocalState() })
      provider.setAwarenessField('member', member('laptop'))
      await expect.poll(() => presence).toContain('"device":"laptop"')
      expect(calls - before).toBe(1)
    } finally {
      provider.destroy()
      socket.destroy()
    }
  })
})
