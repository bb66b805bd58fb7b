/**
 * Why governance must outrank the durable log (extension-priority.ts, PROTOCOL.md §8.3). Hocuspocus runs a hook
 * of every extension in `priority` order; a refusal makes the connection read-only for that frame, which the log
 * skips. With Lifeline's order a refused update never reaches the log; the control case puts the same governance
 * after the log (on an open server, whose own governance lets the update through) and finds the refused bytes
 * stored — which is exactly what the ordering prevents.
 */
import { describe, expect } from 'vitest'
import { createAuthenticate } from '../../server/extensions/authenticate.ts'
import { EXTENSION_PRIORITY } from '../../server/extensions/extension-priority.ts'
import { createGovernUpdates } from '../../server/extensions/govern-updates.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { appendMessage, findMessage } from '../../shared/session/session-doc.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { awaitAnswer, forgeUpdate } from '../testing/attack-kit.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { AUTH_ON, TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'

/**
 * Sends, as mallory, a message authored by alice (refused with auth, allowed by an open server's rules) and resolves
 * the refusal's code and reason and whether storage ended up holding it.
 */
async function sendForbiddenUpdate(
  server: SessionServer,
  sessionId: string,
): Promise<{ refusal: string[]; logged: boolean }> {
  const raw = await connectRawSession({
    url: server.websocketUrl,
    sessionId,
    token: tokenFor('mallory', 'user', sessionId),
  })
  raw.sendUpdate(
    await forgeUpdate(raw, undefined, (doc) => {
      appendMessage(doc, { id: 'm_forged', role: 'user', author: 'alice', status: 'done', text: 'pwned' })
    }),
  )
  const { notices } = await awaitAnswer(raw)
  const { doc: stored } = applyStoredSession(sessionId, await server.updateLog.load(sessionId))
  return {
    refusal: notices.flatMap((notice) => [notice.code, notice.reason]),
    logged: findMessage(stored, 'm_forged') !== undefined,
  }
}

describe('extension order', () => {
  const test = testWithStore('sqlite', AUTH_ON)

  test('Hocuspocus runs authenticate, then governance, then the budgets, then the durable log', async ({ server }) => {
    const names = server.hocuspocus.configuration.extensions
      .map((extension) => extension.extensionName)
      .filter((name) => name?.startsWith('lifeline-'))
    expect(names.slice(0, 5)).toEqual([
      'lifeline-authenticate',
      'lifeline-enforce-limits',
      'lifeline-govern-updates',
      'lifeline-enforce-budgets',
      'lifeline-durable-log',
    ])
    expect(EXTENSION_PRIORITY.GOVERN_UPDATES).toBeGreaterThan(EXTENSION_PRIORITY.DURABLE_LOG)
  })

  test('a rejected update never reaches the log', async ({ server, sessionId }) => {
    await expect(sendForbiddenUpdate(server, sessionId)).resolves.toEqual({
      refusal: ['UPDATE_REJECTED', 'FORBIDDEN_PARENT'],
      logged: false,
    })
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
    await expect(sendForbiddenUpdate(server, sessionId)).resolves.toEqual({
      refusal: ['UPDATE_REJECTED', 'FORBIDDEN_PARENT'],
      logged: true,
    })
  })
})
