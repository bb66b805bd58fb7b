/**
 * A device that goes silent leaves presence on the heartbeat timeout (PROTOCOL.md §8.5), not when its socket
 * closes: a real SDK client in a child process is frozen with SIGSTOP, its socket left open, while the server runs
 * with a short presence timeout. The others see it go while the server still holds its connection, the agent
 * reports `user-left` after its grace, and the device comes back when it resumes.
 */
import { describe, expect } from 'vitest'
import { spawnDeviceProcess } from '../testing/spawn-device-process.ts'
import { testWithStore } from '../testing/fixtures.ts'

const HEARTBEAT_MS = 100
/**
 * Twenty heartbeats: the server, the agent and Bob share this process, and when a loaded machine stalls it for longer
 * than the timeout, the sweep's timer can fire before the renewals waiting in their sockets are read.
 */
const PRESENCE_TIMEOUT_MS = 2_000
const USER_LEFT_GRACE_MS = 300
/** How long each step may take: the timeout and the grace, with room for a loaded machine. */
const STEP_MS = 10_000

const test = testWithStore('sqlite', { presenceTimeoutMs: PRESENCE_TIMEOUT_MS })

describe('silent devices', () => {
  test('a frozen device leaves presence within the timeout, user-left follows, and it returns on resume', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const agent = await connectAgent({ presenceHeartbeatMs: HEARTBEAT_MS, userLeftGraceMs: USER_LEFT_GRACE_MS })
    const events: string[] = []
    agent.onUserPresence((event) => {
      events.push(`${event.type}:${event.principalId}`)
    })
    const bob = connectClient({ principalId: 'bob', device: 'laptop', presenceHeartbeatMs: HEARTBEAT_MS })
    await bob.waitForSynced()
    const principals = (members: ReturnType<typeof bob.presence>) =>
      [...new Set(members.map((member) => member.principalId))].sort()
    const device = await spawnDeviceProcess({
      websocketUrl: server.websocketUrl,
      sessionId,
      principalId: 'alice',
      device: 'phone',
      heartbeatMs: HEARTBEAT_MS,
    })
    try {
      await expect.poll(() => principals(bob.presence())).toEqual(['agent-1', 'alice', 'bob'])
      const connections = server.hocuspocus.getConnectionsCount()
      device.freeze()
      // Gone while the server still holds its socket: the heartbeat timeout dropped it, not a close. The poll's
      // bound is far below y-protocols' own 30 s and Hocuspocus' idle timeout.
      await expect.poll(() => principals(bob.presence()), { timeout: STEP_MS }).toEqual(['agent-1', 'bob'])
      expect(principals(agent.client.presence())).toEqual(['agent-1', 'bob'])
      expect(server.hocuspocus.getConnectionsCount()).toBe(connections)
      await expect.poll(() => events, { timeout: STEP_MS }).toEqual(['user-left:alice'])
      // Live devices that keep renewing were never dropped.
      expect(principals(bob.presence())).toEqual(['agent-1', 'bob'])
      device.resume()
      await expect.poll(() => principals(bob.presence()), { timeout: STEP_MS }).toEqual(['agent-1', 'alice', 'bob'])
      await expect.poll(() => events, { timeout: STEP_MS }).toEqual(['user-left:alice', 'user-returned:alice'])
    } finally {
      await device.kill()
    }
  }, 60_000) // the device's process starts through tsx (seconds on a loaded machine), then four steps of STEP_MS
})
