/**
 * Structured logs (pino) from a real server, captured from the logger's output stream as JSON lines: start-up,
 * connections opening and closing with session, principal, role and transport, a rejected update with its rule,
 * and a failed authentication.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { encodeGcSquat, startConversation } from '../testing/attack-kit.ts'
import { BlockedWebSocket } from '../testing/blocked-websocket.ts'
import { captureLogs } from '../testing/capture-logs.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { AUTH_ON, tokenFor } from '../testing/test-tokens.ts'

const { logger, lines, linesFor } = captureLogs()
const test = testWithStore('sqlite', { ...AUTH_ON, logger })

/** pino's numeric levels. */
const INFO = 30
const WARN = 40

describe('structured logs', () => {
  test('start-up and connections opening and closing, per transport, with the principal from the token', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: INFO,
        event: 'server-listening',
        url: server.url,
        auth: true,
        msg: 'session server listening',
      }),
    )
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    await expect
      .poll(() => linesFor(sessionId, 'connection-opened'), { timeout: 5_000 })
      .toEqual([
        expect.objectContaining({
          level: INFO,
          principalId: 'alice',
          role: 'user',
          transport: 'websocket',
          msg: 'connection opened',
        }),
      ])
    const viewer = connectClient({
      principalId: 'ops',
      token: tokenFor('ops', 'observer', sessionId),
      WebSocket: BlockedWebSocket,
      transport: { websocketTimeoutMs: 1_000, upgradeProbeMs: 60_000 },
    })
    await viewer.waitForSynced(15_000)
    await expect
      .poll(
        () => linesFor(sessionId, 'connection-opened').map((line) => [line.principalId, line.role, line.transport]),
        { timeout: 5_000 },
      )
      .toEqual([
        ['alice', 'user', 'websocket'],
        ['ops', 'observer', 'http-fallback'],
      ])
    alice.destroy()
    await expect
      .poll(() => linesFor(sessionId, 'connection-closed').map((line) => [line.principalId, line.transport]), {
        timeout: 5_000,
      })
      .toEqual([['alice', 'websocket']])
    const opened = linesFor(sessionId, 'connection-opened')[0]
    expect(linesFor(sessionId, 'connection-closed')[0]?.socketId).toBe(opened?.socketId)
  })

  test('a rejected update and a refused token are logged as warnings with their code and rule', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('mallory', 'user', sessionId),
    })
    raw.sendUpdate(
      encodeGcSquat(
        conversation.agentClientId,
        Y.getState(conversation.agent.client.doc.store, conversation.agentClientId),
        1_000,
      ),
    )
    await expect
      .poll(() => linesFor(sessionId, 'update-rejected'), { timeout: 5_000 })
      .toEqual([
        expect.objectContaining({
          level: WARN,
          principalId: 'mallory',
          code: 'UPDATE_REJECTED',
          reason: 'FOREIGN_CLIENT_ID',
        }),
      ])
    const stranger = connectClient({ principalId: 'stranger', token: 'not-a-token' })
    await expect
      .poll(() => linesFor(sessionId, 'authentication-failed'), { timeout: 5_000 })
      .toEqual([expect.objectContaining({ level: WARN, code: 'UNAUTHORIZED' })])
    expect(stranger.status).not.toBe('synced')
  })
})
