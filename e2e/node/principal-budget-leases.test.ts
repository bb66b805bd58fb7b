/**
 * The per-principal budgets (PROTOCOL.md §10.4, §10.5) hold a principal only while a connection of it is open, over
 * real WebSockets against a real server on SQLite with an injected limits clock: after many connect/disconnect
 * cycles — plain ones, ones refused mid-sync by the sync budget or the message rate, and ones whose client closes
 * while its sync steps are still queued, or while a scale-out node claims its clientIDs in Redis before charging its
 * update — and a refill, the sweep leaves no principal in memory.
 */
import { closeFor } from '../testing/close-for.ts'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { appendMessage } from '../../shared/session/session-doc.ts'
import { forgeUpdate } from '../testing/attack-kit.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { createTestRedisPrefix } from '../testing/test-redis.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'

let clockMs = 0
const test = testWithStore('sqlite', {
  auth: { secret: TEST_AUTH_SECRET },
  limits: { messagesPerSecond: 1, messageBurst: 1, principalSyncByteBurst: 2_000, principalSyncBytesPerSecond: 100 },
  limitsNow: () => clockMs,
})

const CYCLES = 8
const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Y.Doc())

describe('principal budgets', () => {
  test('are all swept after connect/disconnect cycles, refused ones included', async ({ server, sessionId }) => {
    const url = server.websocketUrl
    const writer = await connectRawSession({ url, sessionId, token: tokenFor('writer', 'user', sessionId) })
    writer.sendUpdate(
      await forgeUpdate(writer, 901, (doc) => {
        appendMessage(doc, { id: 'm_big', role: 'user', author: 'writer', status: 'done', text: 'x'.repeat(1_500) })
      }),
    )
    await writer.waitForFrame('sync-status')
    writer.close()
    const closed: Array<Promise<unknown>> = []
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const token = tokenFor(`user-${cycle}`, 'user', sessionId)
      // Plain: synced, then closed by the client.
      const plain = await connectRawSession({ url, sessionId, token })
      await plain.serverState()
      plain.close()
      closed.push(plain.closed)
      // Refused mid-sync: the second whole-session answer is over this principal's sync budget.
      const asking = await connectRawSession({ url, sessionId, token })
      asking.sendSyncStep1(EMPTY_STATE_VECTOR)
      asking.sendSyncStep1(EMPTY_STATE_VECTOR)
      expect(await asking.closed).toEqual(closeFor('RATE_LIMITED'))
      clockMs += 60_000
      // Refused by the message rate: a second message at once.
      const posting = await connectRawSession({ url, sessionId, token })
      for (const index of [0, 1])
        posting.sendUpdate(
          await forgeUpdate(posting, 1_000 + 2 * cycle + index, (doc) => {
            appendMessage(doc, { id: `m_${cycle}_${index}`, role: 'user', author: `user-${cycle}`, status: 'done' })
          }),
        )
      expect(await posting.closed).toEqual(closeFor('RATE_LIMITED'))
      // Closed by the client while its sync steps are still queued on the server.
      const leaving = await connectRawSession({ url, sessionId, token, skipSync: true })
      for (let ask = 0; ask < 4; ask++) leaving.sendSyncStep1(EMPTY_STATE_VECTOR)
      leaving.close()
      closed.push(leaving.closed)
      clockMs += 60_000
    }
    await Promise.all(closed)
    await expect.poll(() => server.hocuspocus.getConnectionsCount(), { timeout: 5_000 }).toBe(0)
    clockMs += 60_000
    server.principalBudgets.sweep()
    expect(server.principalBudgets.size).toBe(0)
  })
})

describe('principal budgets with scale-out', () => {
  test('are swept after clients close while their updates wait on a Redis claim', async ({
    startServer,
    sessionId,
  }) => {
    const redis = createTestRedisPrefix()
    const server = await startServer({ redis: { url: redis.url, prefix: redis.prefix } })
    const url = server.websocketUrl
    const closed: Array<Promise<unknown>> = []
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const token = tokenFor(`user-${cycle}`, 'user', sessionId)
      const reader = await connectRawSession({ url, sessionId, token })
      const update = await forgeUpdate(reader, 3_000 + cycle, (doc) => {
        appendMessage(doc, { id: `m_${cycle}`, role: 'user', author: `user-${cycle}`, status: 'done' })
      })
      reader.close()
      closed.push(reader.closed)
      // The first frame that charges this connection is an update, and the client is gone before its claim returns.
      const leaving = await connectRawSession({ url, sessionId, token, skipSync: true })
      leaving.sendUpdate(update)
      leaving.close()
      closed.push(leaving.closed)
    }
    await Promise.all(closed)
    await expect.poll(() => server.hocuspocus.getConnectionsCount(), { timeout: 5_000 }).toBe(0)
    clockMs += 60_000
    server.principalBudgets.sweep()
    expect(server.principalBudgets.size).toBe(0)
    await server.close()
    await redis.remove()
  })
})
