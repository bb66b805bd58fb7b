/**
 * Session deletion (right to erasure): DELETE /v1/sessions/:id closes every connection with SESSION_DELETED (the
 * clients stop, in state `failed`, and never reconnect), and removes the session's record, log rows and snapshot
 * from the store.
 */
import { describe, expect, vi } from 'vitest'
import { StoppableProviderWebsocket } from '../../client/core/stoppable-provider-websocket.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import { ROUTES } from '../../shared/protocol/routes.ts'
import { numberedTokens } from '../../shared/testing/token-stream.ts'
import { STORE_KINDS } from '../testing/test-store.ts'
import { testWithStore } from '../testing/fixtures.ts'

describe.each(STORE_KINDS)('session deletion on %s', (kind) => {
  const test = testWithStore(kind)

  test('closes every client with SESSION_DELETED and erases the stored session', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const user = connectClient()
    await user.waitForSynced()
    const agent = await connectAgent()
    user.sendMessage('remember this')
    await expect(agent.startReply().pipe(numberedTokens(600))).resolves.toBe('done')
    await user.waitUntilDurable()
    const errors: SessionError[] = []
    user.on('error', (error) => {
      errors.push(error)
    })
    const response = await fetch(`${server.url}/v1/sessions/${sessionId}`, { method: 'DELETE' })
    expect(response.status).toBe(204)
    await expect.poll(() => [user.status, agent.client.status], { timeout: 10_000 }).toEqual(['failed', 'failed'])
    expect(errors.map((error) => error.code)).toEqual(['SESSION_DELETED'])
    // A failed client's waits end with the error that failed it, not at their timeout.
    user.sendMessage('never stored')
    await expect(user.waitUntilDurable(60_000)).rejects.toMatchObject({ code: 'SESSION_DELETED' })
    await expect(user.waitForSynced(60_000)).rejects.toMatchObject({ code: 'SESSION_DELETED' })
    expect(await server.updateLog.getSession(sessionId)).toBeUndefined()
    expect(await server.updateLog.load(sessionId)).toEqual({ snapshot: undefined, snapshotSeq: 0, entries: [] })
    expect((await fetch(`${server.url}/v1/sessions/${sessionId}`)).status).toBe(404)
    expect((await fetch(`${server.url}/v1/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(404)
    await expect.poll(() => server.hocuspocus.documents.has(sessionId), { timeout: 10_000 }).toBe(false)
    expect(await server.updateLog.getSession(sessionId)).toBeUndefined()
  })

  test('a deleted client never reconnects, so the session is not created again', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const connects = vi.spyOn(StoppableProviderWebsocket.prototype, 'connect')
    try {
      const user = connectClient({ reconnectDelayMs: 20 })
      user.sendMessage('erase me')
      await user.waitUntilDurable()
      const connectsBeforeDelete = connects.mock.calls.length
      expect((await fetch(`${server.url}/v1/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204)
      await expect.poll(() => user.status, { timeout: 10_000 }).toBe('failed')
      await expect.poll(() => server.hocuspocus.documents.has(sessionId), { timeout: 10_000 }).toBe(false)
      // The provider's own reconnect timer, scheduled before the close handler stopped it, has fired. Before the fix its
      // connect() opened a socket (it resolves once open) and, the session having unloaded, created the session anew.
      await expect.poll(() => connects.mock.calls.length, { timeout: 10_000 }).toBeGreaterThan(connectsBeforeDelete)
      await connects.mock.results.at(-1)?.value
      const health = (await (await fetch(`${server.url}${ROUTES.HEALTH}`)).json()) as { connections: number }
      expect(health.connections).toBe(0)
      expect(server.hocuspocus.documents.has(sessionId)).toBe(false)
      expect(await server.updateLog.getSession(sessionId)).toBeUndefined()
      expect(user.status).toBe('failed')
    } finally {
      connects.mockRestore()
    }
  })

  test('deletes a session that is not loaded', async ({ server }) => {
    const created = (await (
      await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: JSON.stringify({ title: 'short-lived' }) })
    ).json()) as { id: string }
    expect((await fetch(`${server.url}/v1/sessions/${created.id}`, { method: 'DELETE' })).status).toBe(204)
    expect(
      ((await (await fetch(`${server.url}/v1/sessions`)).json()) as { sessions: Array<{ id: string }> }).sessions.map(
        (session) => session.id,
      ),
    ).not.toContain(created.id)
  })
})
