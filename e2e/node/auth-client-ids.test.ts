/**
 * ClientID binding with auth on (PROTOCOL.md §8.3): a clientID belongs to the first principal that uses it; after a
 * server restart the document itself says who wrote each clientID, so the agent keeps streaming under its own while
 * nobody else may take it; an update that continues the sender's own clientID past a gap (lost with an earlier
 * connection) is deferred, not stored, until the sync step 2 brings the missing part; a newer connection of the same
 * principal takes a clientID over and the older one is closed.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, readTranscript } from '../../shared/session/session-doc.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import { expectAwarenessRejected, expectRejected, forgeUpdate } from '../testing/attack-kit.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession, encodeAwarenessState } from '../testing/raw-session-socket.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'

const events: SecurityEvent[] = []
const test = testWithStore('sqlite', {
  auth: {
    secret: TEST_AUTH_SECRET,
    onSecurityEvent: (event) => {
      events.push(event)
    },
  },
})

describe('clientID binding', () => {
  test('after a restart mid-stream the agent continues its clientID and the reply completes exactly', async ({
    server,
    startServer,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const tokenCount = 2_000
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    const agent = await connectAgent({
      agentId: 'agent-1',
      maxBufferChars: 40,
      maxBusyBufferChars: 40,
      token: tokenFor('agent-1', 'agent', sessionId),
    })
    let restarted: Promise<unknown> | undefined
    let streamed: Promise<unknown> | undefined
    let current = server
    agent.onUserMessage((message) => {
      const reply = agent.startReply({ replyTo: message.id })
      streamed = reply.pipe(
        numberedTokens(tokenCount, async (index) => {
          if (index !== 800 || restarted !== undefined) return
          reply.flush()
          restarted = (async () => {
            await server.close()
            current = await startServer({ port: server.port })
          })()
          await restarted
        }),
      )
    })
    alice.sendMessage('go')
    await expect.poll(() => streamed, { timeout: 5_000 }).toBeDefined()
    await expect(streamed).resolves.toBe('done')
    await expect
      .poll(() => alice.messages().find((message) => message.role === 'assistant')?.status, { timeout: 15_000 })
      .toBe('done')
    expect(alice.messages().find((message) => message.role === 'assistant')?.text).toBe(expectedText(tokenCount))
    expect(events.filter((event) => event.sessionId === sessionId && event.kind !== 'client-id-taken-over')).toEqual([])

    // The restarted server learned from the document whose clientID it is: nobody else may write with it.
    const raw = await connectRawSession({
      url: current.websocketUrl,
      sessionId,
      token: tokenFor('mallory', 'user', sessionId),
    })
    raw.sendUpdate(
      await forgeUpdate(raw, agent.client.doc.clientID, (forged) => {
        appendMessage(forged, { id: 'm_x', role: 'user', author: 'mallory', status: 'done', text: 'mine now' })
      }),
    )
    await expectRejected(raw, events, sessionId, 'FOREIGN_CLIENT_ID')
  })

  test('a gap in the sender own clientID is deferred until the sync step 2 fills it', async ({ server, sessionId }) => {
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    const doc = new Y.Doc()
    Y.applyUpdate(doc, await raw.serverState())
    const serverVector = Y.encodeStateVector(doc)
    raw.sendAwareness(encodeAwarenessState(doc.clientID, { member: { principalId: 'alice' } }))
    const updates: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => {
      updates.push(update)
    })
    appendMessage(doc, {
      id: 'm_1',
      role: 'user',
      author: 'alice',
      status: 'done',
      text: 'first (lost with an old connection)',
    })
    appendMessage(doc, { id: 'm_2', role: 'user', author: 'alice', status: 'done', text: 'second' })
    raw.sendUpdate(updates[1] as Uint8Array)
    expect((await raw.waitForFrame('sync-status')).applied).toBe(false)
    const storedAfterGap = applyStoredSession(sessionId, await server.updateLog.load(sessionId)).doc
    expect(readTranscript(sessionId, storedAfterGap).messages).toEqual([])
    raw.sendSyncStep2(Y.encodeStateAsUpdate(doc, serverVector))
    await raw.waitForFrame('sync-status', 5_000, (frame) => frame.applied)
    const stored = applyStoredSession(sessionId, await server.updateLog.load(sessionId)).doc
    expect(readTranscript(sessionId, stored).messages.map((message) => message.text)).toEqual([
      'first (lost with an old connection)',
      'second',
    ])
    expect(stored.store.pendingStructs).toBeNull()
    expect(raw.frames.some((frame) => frame.type === 'close-message')).toBe(false)
  })

  test('a newer connection of the same principal takes a clientID over and the older one is closed', async ({
    server,
    sessionId,
  }) => {
    const clientId = 777_001
    const old = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    old.sendAwareness(encodeAwarenessState(clientId, { member: { principalId: 'alice', device: 'old' } }))
    await old.waitForFrame('awareness', 5_000, () => true)
    const fresh = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    fresh.sendAwareness(encodeAwarenessState(clientId, { member: { principalId: 'alice', device: 'new' } }))
    expect((await old.waitForFrame('close-message')).reason).toBe('CLIENT_ID_TAKEN_OVER')
    await expect
      .poll(() => events.filter((event) => event.sessionId === sessionId).map((event) => event.kind))
      .toContain('client-id-taken-over')
    const bob = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('bob', 'user', sessionId),
    })
    bob.sendAwareness(encodeAwarenessState(clientId, { member: { principalId: 'bob' } }))
    await expectAwarenessRejected(bob, events, sessionId, 'FOREIGN_CLIENT_ID')
    expect(fresh.frames.some((frame) => frame.type === 'close-message')).toBe(false)
  })
})
