/**
 * Abuse limits (PROTOCOL.md §10) over real WebSockets against a real server on SQLite: an oversized update and an
 * overlong user message or steer are each refused in-band with their own code, a frame flood closes the connection,
 * each with a `limit-exceeded` security event; nothing of the refused frame is stored, and the stored session
 * reloads unchanged after a server restart. The SDKs learn the limits on connect and refuse over-long user text before writing it, keeping the
 * connection open; an agent's reply of any size is split into updates that fit. An agent flooding tokens through
 * the SDK's coalescing never meets the default limits.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, appendSteer, appendText, getSessionRoots } from '../../shared/session/session-doc.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import type { SessionServer } from '../../server/session-server.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import { DEFAULT_SESSION_LIMITS } from '../../shared/limits/session-limits.ts'
import {
  awaitAnswer,
  expectAgentStillWrites,
  expectLogClean,
  forgeUpdate,
  startConversation,
  storedTranscript,
} from '../testing/attack-kit.ts'
import { testWithStore, type ServerFactory } from '../testing/fixtures.ts'
import { connectRawSession, encodeAwarenessState, type RawSessionSocket } from '../testing/raw-session-socket.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'
import { closeFor } from '../testing/close-for.ts'

const events: SecurityEvent[] = []
const auth = {
  secret: TEST_AUTH_SECRET,
  onSecurityEvent: (event: SecurityEvent) => {
    events.push(event)
  },
}
const test = testWithStore('sqlite', { auth, limits: { maxUpdateBytes: 8 * 1024, maxUserTextChars: 1_000 } })
const testRate = testWithStore('sqlite', { auth, limits: { framesPerSecond: 50, frameBurst: 200 } })
const testWithDefaults = testWithStore('sqlite', { auth })

/** Waits for the in-band refusal with `code` (notice, SyncStatus(false)) and the matching security event. */
async function expectLimit(raw: RawSessionSocket, sessionId: string, code: string): Promise<SecurityEvent> {
  expect(await awaitAnswer(raw)).toEqual({ applied: false, notices: [expect.objectContaining({ code })] })
  await expect
    .poll(
      () => events.filter((event) => event.sessionId === sessionId).map((event) => [event.kind, event.error.code]),
      { timeout: 5_000 },
    )
    .toContainEqual(['limit-exceeded', code])
  return events.find((event) => event.sessionId === sessionId && event.error.code === code) as SecurityEvent
}

/** Restarts the server on the same store and expects the stored transcript unchanged. */
async function expectSameAfterRestart(
  server: SessionServer,
  startServer: ServerFactory,
  sessionId: string,
  before: unknown,
): Promise<SessionServer> {
  await server.close()
  const restarted = await startServer()
  expect(await storedTranscript(restarted, sessionId)).toEqual(before)
  return restarted
}

const userMessage =
  (text: string) =>
  (doc: Y.Doc): void => {
    appendMessage(doc, { id: `m_limit_${text.length}`, role: 'user', author: 'alice', status: 'done', text })
  }

describe('size limits', () => {
  test('an update over maxUpdateBytes is refused with UPDATE_TOO_LARGE and never stored', async ({
    server,
    startServer,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const before = await storedTranscript(server, sessionId)
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    // Twenty messages, each under the text limit, together over 8 KiB.
    const attack = await forgeUpdate(raw, 515_151, (doc) => {
      for (let index = 0; index < 20; index++) userMessage('é'.repeat(300 + index))(doc)
    })
    expect(attack.byteLength).toBeGreaterThan(8 * 1024)
    raw.sendUpdate(attack)
    const event = await expectLimit(raw, sessionId, 'UPDATE_TOO_LARGE')
    expect(event).toMatchObject({
      principalId: 'alice',
      error: { details: { bytes: attack.byteLength, maxUpdateBytes: 8 * 1024 } },
    })
    expect(await storedTranscript(server, sessionId)).toEqual(before)
    await expectLogClean(server, sessionId, attack, { attackerClientIds: [515_151] })
    await expectAgentStillWrites(conversation)
    const after = await storedTranscript(server, sessionId)
    conversation.alice.destroy()
    conversation.agent.client.destroy()
    await expectSameAfterRestart(server, startServer, sessionId, after)
  })

  test('a user message or steer over maxUserTextChars is refused with TEXT_TOO_LONG, also when it grows in steps', async ({
    server,
    startServer,
    sessionId,
    connectClient,
  }) => {
    const token = tokenFor('alice', 'user', sessionId)
    const watcher = connectClient({ principalId: 'watcher', token: tokenFor('watcher', 'observer', sessionId) })
    await watcher.waitForSynced() // keeps the session loaded, so its log is not compacted away between attacks
    const cases: Array<[string, (doc: Y.Doc) => void]> = [
      ['one message of 1001 characters', userMessage('x'.repeat(1_001))],
      [
        'a steer of 1001 characters',
        (doc) => {
          appendSteer(doc, { id: 'st_long', kind: 'note', author: 'alice', text: 'y'.repeat(1_001) })
        },
      ],
    ]
    // Within the limit: 990 characters are accepted, then 20 more in a second part are refused.
    const bob = await connectRawSession({ url: server.websocketUrl, sessionId, token })
    const accepted = await forgeUpdate(bob, 616_161, userMessage('z'.repeat(990)))
    bob.sendUpdate(accepted)
    expect((await bob.waitForFrame('sync-status')).applied).toBe(true)
    bob.close()
    cases.push([
      'a message grown past the limit',
      (doc) => {
        const message = getSessionRoots(doc)
          .messages.toArray()
          .find((entry) => entry.get('id') === 'm_limit_990') as Y.Map<unknown>
        appendText(message, 'w'.repeat(20), 'reasoning')
      },
    ])
    const before = await storedTranscript(server, sessionId)
    expect(before).toMatchObject({ messages: [{ text: 'z'.repeat(990) }] })
    let clientId = 717_171
    for (const [label, mutate] of cases) {
      const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token })
      const attack = await forgeUpdate(raw, ++clientId, mutate)
      expect(attack.byteLength, label).toBeLessThan(8 * 1024)
      raw.sendUpdate(attack)
      const event = await expectLimit(raw, sessionId, 'TEXT_TOO_LONG')
      expect(event.error.details, label).toMatchObject({ maxUserTextChars: 1_000 })
      events.length = 0
      await expectLogClean(server, sessionId, attack, { attackerClientIds: [clientId] })
      expect(await storedTranscript(server, sessionId), label).toEqual(before)
    }
    await expectSameAfterRestart(server, startServer, sessionId, before)
  })
})

describe('SDK pre-checks (PROTOCOL.md §10.3)', () => {
  /** Records every status change and error of `client` from now on. */
  const watch = (client: SessionClient): { statuses: string[]; errors: string[] } => {
    const seen = { statuses: [] as string[], errors: [] as string[] }
    client.on('status', (status) => {
      seen.statuses.push(status)
    })
    client.on('error', (error) => {
      seen.errors.push(error.code)
    })
    return seen
  }

  testWithDefaults(
    'sendMessage over the default maxUserTextChars throws TEXT_TOO_LONG before any write; the connection stays open and the next message is stored',
    async ({ server, sessionId, connectClient }) => {
      const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
      await alice.waitForSynced()
      const seen = watch(alice)
      const stateBefore = Y.encodeStateVector(alice.doc)
      const length = DEFAULT_SESSION_LIMITS.maxUserTextChars + 1
      expect(() => alice.sendMessage('x'.repeat(length))).toThrow(
        expect.objectContaining({
          name: 'SessionError',
          code: 'TEXT_TOO_LONG',
          details: { limit: DEFAULT_SESSION_LIMITS.maxUserTextChars, length },
        }),
      )
      expect(Y.encodeStateVector(alice.doc)).toEqual(stateBefore)
      expect(alice.messages()).toEqual([])
      const id = alice.sendMessage('a normal message')
      await alice.waitUntilDurable()
      expect(await storedTranscript(server, sessionId)).toMatchObject({ messages: [{ id, text: 'a normal message' }] })
      expect(alice.status).toBe('synced')
      expect(seen).toEqual({ statuses: [], errors: [] })
      expect(events.filter((event) => event.sessionId === sessionId)).toEqual([])
    },
  )

  test('clients learn the server limits on connect: over-long user text throws, an agent reply of any size is split to fit', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const announced = { maxUpdateBytes: 8 * 1024, maxUserTextChars: 1_000 }
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    await expect.poll(() => alice.limits, { timeout: 5_000 }).toEqual(announced)
    const seen = watch(alice)
    const stateBefore = Y.encodeStateVector(alice.doc)
    expect(() => alice.sendMessage('x'.repeat(1_001))).toThrow(
      expect.objectContaining({ code: 'TEXT_TOO_LONG', details: { limit: 1_000, length: 1_001 } }),
    )
    expect(() => alice.steer({ kind: 'note', text: 'y'.repeat(1_001) })).toThrow(
      expect.objectContaining({ code: 'TEXT_TOO_LONG' }),
    )
    expect(Y.encodeStateVector(alice.doc)).toEqual(stateBefore)
    const messageId = alice.sendMessage('z'.repeat(1_000))
    const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
    await expect.poll(() => agent.client.limits, { timeout: 5_000 }).toEqual(announced)
    const agentSeen = watch(agent.client)
    const reply = 'é€😀'.repeat(10_000) // 90 KB in one token: eleven times the update limit
    const oneToken = async function* (): AsyncGenerator<string> {
      yield reply
    }
    expect(await agent.startReply({ replyTo: messageId }).pipe(oneToken())).toBe('done')
    await alice.waitUntilDurable()
    await expect
      .poll(() => alice.messages().find((message) => message.role === 'assistant')?.status, { timeout: 10_000 })
      .toBe('done')
    expect(await storedTranscript(server, sessionId)).toMatchObject({
      messages: [
        { id: messageId, text: 'z'.repeat(1_000) },
        { replyTo: messageId, text: reply, status: 'done' },
      ],
    })
    expect(seen).toEqual({ statuses: [], errors: [] })
    expect(agentSeen).toEqual({ statuses: [], errors: [] })
    expect(events.filter((event) => event.sessionId === sessionId)).toEqual([])
  })
})

describe('rate limits', () => {
  testRate(
    'an awareness flood closes the connection with RATE_LIMITED (4429) and changes nothing',
    async ({ server, startServer, sessionId, connectClient, connectAgent }) => {
      const conversation = await startConversation({ sessionId, connectClient, connectAgent })
      const before = await storedTranscript(server, sessionId)
      const raw = await connectRawSession({
        url: server.websocketUrl,
        sessionId,
        token: tokenFor('alice', 'user', sessionId),
      })
      const awareness = encodeAwarenessState(818_181, { member: { principalId: 'alice', role: 'user' } })
      for (let index = 0; index < 1_000; index++) raw.sendAwareness(awareness)
      expect(await raw.closed).toEqual(closeFor('RATE_LIMITED'))
      await expect
        .poll(
          () => events.filter((event) => event.sessionId === sessionId).map((event) => [event.kind, event.error.code]),
          { timeout: 5_000 },
        )
        .toContainEqual(['limit-exceeded', 'RATE_LIMITED'])
      expect(await storedTranscript(server, sessionId)).toEqual(before)
      await expectAgentStillWrites(conversation)
      const after = await storedTranscript(server, sessionId)
      conversation.alice.destroy()
      conversation.agent.client.destroy()
      await expectSameAfterRestart(server, startServer, sessionId, after)
    },
  )

  testRate(
    'a client closed with RATE_LIMITED reconnects by itself (the code is retryable)',
    async ({ server, sessionId, connectClient }) => {
      const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
      await alice.waitForSynced()
      const codes: string[] = []
      alice.on('error', (error) => {
        codes.push(error.code)
      })
      // 300 steers in one burst: each is one update frame, over the burst of 200.
      for (let index = 0; index < 300; index++) alice.steer({ kind: 'note', text: `n${index}` })
      await expect.poll(() => codes, { timeout: 10_000 }).toContain('RATE_LIMITED')
      await alice.waitUntilDurable(30_000)
      const stored = (await storedTranscript(server, sessionId)) as { steering: Array<{ text: string }> }
      expect(stored.steering.map((steer) => steer.text)).toEqual(Array.from({ length: 300 }, (_, index) => `n${index}`))
    },
    40_000,
  )
})

describe('default limits', () => {
  testWithDefaults(
    'an agent flooding 400k tokens through the SDK coalescing never meets them',
    async ({ server, sessionId, connectClient, connectAgent }) => {
      const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
      await alice.waitForSynced()
      const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
      const closes: string[] = []
      agent.client.on('error', (error) => {
        closes.push(error.code)
      })
      const messageId = alice.sendMessage('flood me')
      const tokens = async function* (): AsyncGenerator<string> {
        for (let index = 0; index < 400_000; index++) yield `t${index % 10} `
      }
      const started = performance.now()
      expect(await agent.startReply({ replyTo: messageId }).pipe(tokens())).toBe('done')
      const seconds = (performance.now() - started) / 1000
      await expect
        .poll(() => alice.messages().find((message) => message.role === 'assistant')?.status, { timeout: 30_000 })
        .toBe('done')
      expect(alice.messages().find((message) => message.role === 'assistant')?.text.length).toBe(400_000 * 3)
      expect(closes).toEqual([])
      expect(events.filter((event) => event.sessionId === sessionId)).toEqual([])
      console.log(
        `flood: 400k tokens in ${seconds.toFixed(1)} s (${Math.round(400_000 / seconds)} tokens/s), limits ${DEFAULT_SESSION_LIMITS.framesPerSecond} frames/s`,
      )
      expect(server.hocuspocus.getDocumentsCount()).toBe(1)
    },
    120_000,
  )
})
