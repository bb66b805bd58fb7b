/**
 * Why governance must outrank the durable log (extension-priority.ts, PROTOCOL.md §8.3). Hocuspocus runs a hook
 * of every extension in `priority` order and stops at the first that throws. With Lifeline's order a rejected
 * update never reaches the log; the control case puts the same governance after the log and finds the rejected
 * bytes stored — which is exactly what the ordering prevents.
 */
import { describe, expect } from 'vitest'
import { createAuthenticate } from '../../server/extensions/authenticate.ts'
import { EXTENSION_PRIORITY } from '../../server/extensions/extension-priority.ts'
import { createGovernUpdates } from '../../server/extensions/govern-updates.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { getSessionRoots } from '../../shared/session/session-doc.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { forgeUpdate } from '../testing/attack-kit.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { AUTH_ON, TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'

/**
 * Sends an update that writes into `meta` (server-only) and resolves whether storage ended up holding it (log
 * entries, or the snapshot compaction folds them into once the session unloads).
 */
async function sendForbiddenUpdate (server: SessionServer, sessionId: string): Promise<{ closeReason: string, logged: boolean }> {
  const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token: tokenFor('mallory', 'user', sessionId) })
  raw.sendUpdate(await forgeUpdate(raw, undefined, (doc) => { getSessionRoots(doc).meta.set('title', 'pwned') }))
  const { reason } = await raw.waitForFrame('close-message')
  const { doc: stored } = applyStoredSession(sessionId, await server.updateLog.load(sessionId))
  return { closeReason: reason, logged: getSessionRoots(stored).meta.get('title') === 'pwned' }
}

describe('extension order', () => {
  const test = testWithStore('sqlite', AUTH_ON)

  test('Hocuspocus runs authenticate, then governance, then the durable log', async ({ server }) => {
    const names = server.hocuspocus.configuration.extensions.map((extension) => extension.extensionName).filter((name) => name?.startsWith('lifeline-'))
    expect(names.slice(0, 4)).toEqual(['lifeline-authenticate', 'lifeline-enforce-limits', 'lifeline-govern-updates', 'lifeline-durable-log'])
    expect(EXTENSION_PRIORITY.GOVERN_UPDATES).toBeGreaterThan(EXTENSION_PRIORITY.DURABLE_LOG)
  })

  test('a rejected update never reaches the log', async ({ server, sessionId }) => {
    await expect(sendForbiddenUpdate(server, sessionId)).resolves.toEqual({ closeReason: 'UPDATE_REJECTED', logged: false })
  })
})

describe('control: the same governance ordered after the log', () => {
  // Open server (no `auth`) with the two extensions added by hand, governance below the log's priority.
  const test = testWithStore('sqlite', {
    extensions: [
      createAuthenticate({ secret: TEST_AUTH_SECRET }),
      { ...createGovernUpdates(), priority: EXTENSION_PRIORITY.DURABLE_LOG - 50 },
    ],
  })

  test('stores the update before rejecting it', async ({ server, sessionId }) => {
    await expect(sendForbiddenUpdate(server, sessionId)).resolves.toEqual({ closeReason: 'UPDATE_REJECTED', logged: true })
  })
})
