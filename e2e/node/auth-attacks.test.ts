/**
 * Named attacks on a governed session (PROTOCOL.md §8.3, docs/security.md § Threat table), each sent as crafted bytes
 * over a raw WebSocket with a valid token. Every one must be refused in-band with UPDATE_REJECTED and its reason, and
 * leave the stored transcript and the log intact: the attacker's bytes are in no log entry — which also proves that
 * governance runs before the durable log (extension-priority.ts) — and the agent's later tokens still arrive.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { appendMessage, appendSteer, getSessionRoots } from '../../shared/session/session-doc.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import type { SessionServer } from '../../server/session-server.ts'
import {
  AGENT_TEXT,
  encodeDeleteRange,
  encodeGcSquat,
  expectAgentStillWrites,
  expectLogClean,
  expectRejected,
  forgeUpdate,
  startConversation,
  storedTranscript,
} from '../testing/attack-kit.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'
import { closeFor } from '../testing/close-for.ts'

const events: SecurityEvent[] = []
const test = testWithStore('sqlite', {
  auth: {
    secret: TEST_AUTH_SECRET,
    onSecurityEvent: (event) => {
      events.push(event)
    },
  },
})

const assistantOf = (doc: Y.Doc): Y.Map<unknown> =>
  getSessionRoots(doc)
    .messages.toArray()
    .find((message) => message.get('role') === 'assistant') as Y.Map<unknown>
const userMessageOf = (doc: Y.Doc): Y.Map<unknown> =>
  getSessionRoots(doc)
    .messages.toArray()
    .find((message) => message.get('role') === 'user') as Y.Map<unknown>
/**
 * Sends each forged update from a fresh connection with `token` (clientIDs counting up from `firstClientId`) and
 * expects every one rejected with its reason and none of its bytes in the log.
 */
async function expectForgedUpdatesRejected(
  server: SessionServer,
  sessionId: string,
  token: string,
  firstClientId: number,
  attacks: Array<[string, (doc: Y.Doc) => void]>,
): Promise<void> {
  let clientId = firstClientId
  for (const [reason, mutate] of attacks) {
    const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token })
    const attack = await forgeUpdate(raw, ++clientId, mutate)
    raw.sendUpdate(attack)
    await expectRejected(raw, events, sessionId, reason)
    await expectLogClean(server, sessionId, attack, { attackerClientIds: [clientId] })
  }
}

const textOf = (message: Y.Map<unknown>): Y.Text =>
  (message.get('parts') as Y.Array<Y.Map<unknown>>).get(0).get('text') as Y.Text

describe('attacks by an authenticated user are rejected before they are stored', () => {
  test('clientID spoof: an 8-byte GC struct squatting the agent clientID', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const before = await storedTranscript(server, sessionId)
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('mallory', 'user', sessionId),
    })
    const attack = encodeGcSquat(
      conversation.agentClientId,
      Y.getState(conversation.agent.client.doc.store, conversation.agentClientId),
      1_000_000,
    )
    expect(attack.byteLength).toBeLessThanOrEqual(16) // 8 bytes with a small clientID; a 32-bit one takes 5
    raw.sendUpdate(attack)
    await expectRejected(raw, events, sessionId, 'FOREIGN_CLIENT_ID')
    await expectAgentStillWrites(conversation)
    expect(((await storedTranscript(server, sessionId)) as { messages: unknown[] }).messages).toHaveLength(2)
    await expectLogClean(server, sessionId, attack, {
      agentClientId: conversation.agentClientId,
      agentDoc: conversation.agent.client.doc,
    })
    expect(before).toMatchObject({ messages: [{ text: 'hi' }, { text: AGENT_TEXT }] })
  })

  test('write-under-agent-id: text appended to the agent reply under the agent clientID', async ({
    server,
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
    const attack = await forgeUpdate(raw, conversation.agentClientId, (doc) => {
      textOf(assistantOf(doc)).insert(AGENT_TEXT.length, ' (actually 5)')
    })
    raw.sendUpdate(attack)
    await expectRejected(raw, events, sessionId, 'FOREIGN_CLIENT_ID')
    expect(await storedTranscript(server, sessionId)).toEqual(before)
    await expectLogClean(server, sessionId, attack, {
      agentClientId: conversation.agentClientId,
      agentDoc: conversation.agent.client.doc,
    })
    await expectAgentStillWrites(conversation)
  })

  test('write-into-agent-reply: text appended to the agent reply under the user own clientID', async ({
    server,
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
    const attackerId = 424_242
    const attack = await forgeUpdate(raw, attackerId, (doc) => {
      textOf(assistantOf(doc)).insert(AGENT_TEXT.length, ' (forged)')
    })
    raw.sendUpdate(attack)
    await expectRejected(raw, events, sessionId, 'FORBIDDEN_PARENT')
    expect(await storedTranscript(server, sessionId)).toEqual(before)
    await expectLogClean(server, sessionId, attack, { attackerClientIds: [attackerId] })
    await expectAgentStillWrites(conversation)
  })

  test('delete-ahead: a user deletes agent text', async ({ server, sessionId, connectClient, connectAgent }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const before = await storedTranscript(server, sessionId)
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    const attack = await forgeUpdate(raw, undefined, (doc) => {
      textOf(assistantOf(doc)).delete(0, 6)
    })
    raw.sendUpdate(attack)
    await expectRejected(raw, events, sessionId, 'FORBIDDEN_DELETE')
    expect(await storedTranscript(server, sessionId)).toEqual(before)
    await expectLogClean(server, sessionId, attack)
    await expectAgentStillWrites(conversation)
  })

  test('delete-ahead: a user pre-deletes clocks the agent has not written yet', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    const next = Y.getState(conversation.agent.client.doc.store, conversation.agentClientId)
    const attack = encodeDeleteRange(conversation.agentClientId, next, 2 ** 20)
    raw.sendUpdate(attack)
    await expectRejected(raw, events, sessionId, 'FORBIDDEN_DELETE')
    await expectLogClean(server, sessionId, attack, {
      agentClientId: conversation.agentClientId,
      agentDoc: conversation.agent.client.doc,
    })
    await expectAgentStillWrites(conversation)
  })

  test('a user rewrites another user message (text, author)', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const before = await storedTranscript(server, sessionId)
    const rewrite = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('bob', 'user', sessionId),
    })
    const editText = await forgeUpdate(rewrite, 515_151, (doc) => {
      textOf(userMessageOf(doc)).insert(0, 'bob says: ')
    })
    rewrite.sendUpdate(editText)
    await expectRejected(rewrite, events, sessionId, 'FORBIDDEN_PARENT')
    const reauthor = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('bob', 'user', sessionId),
    })
    const takeAuthorship = await forgeUpdate(reauthor, 515_152, (doc) => {
      userMessageOf(doc).set('author', 'bob')
    })
    reauthor.sendUpdate(takeAuthorship)
    await expectRejected(reauthor, events, sessionId, 'FORBIDDEN_PARENT')
    const erase = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('bob', 'user', sessionId),
    })
    const eraseText = await forgeUpdate(erase, undefined, (doc) => {
      textOf(userMessageOf(doc)).delete(0, 2)
    })
    erase.sendUpdate(eraseText)
    await expectRejected(erase, events, sessionId, 'FORBIDDEN_DELETE')
    expect(await storedTranscript(server, sessionId)).toEqual(before)
    for (const attack of [editText, takeAuthorship, eraseText])
      await expectLogClean(server, sessionId, attack, { attackerClientIds: [515_151, 515_152] })
    await expectAgentStillWrites(conversation)
  })

  test('a user changes a message status or a run', async ({ server, sessionId, connectClient, connectAgent }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const before = await storedTranscript(server, sessionId)
    const statusRaw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    const status = await forgeUpdate(statusRaw, 616_161, (doc) => {
      assistantOf(doc).set('status', 'stopped')
    })
    statusRaw.sendUpdate(status)
    await expectRejected(statusRaw, events, sessionId, 'FORBIDDEN_PARENT')
    const runRaw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    const run = await forgeUpdate(runRaw, 616_162, (doc) => {
      getSessionRoots(doc).runs.get(conversation.reply.runId)?.set('state', 'failed')
    })
    runRaw.sendUpdate(run)
    await expectRejected(runRaw, events, sessionId, 'FORBIDDEN_PARENT')
    expect(await storedTranscript(server, sessionId)).toEqual(before)
    for (const attack of [status, run])
      await expectLogClean(server, sessionId, attack, { attackerClientIds: [616_161, 616_162] })
    await expectAgentStillWrites(conversation)
  })

  test('a user forges an agent reply, inserts a message before others, or posts a steer as someone else', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const before = await storedTranscript(server, sessionId)
    const attacks: Array<[string, (doc: Y.Doc) => void]> = [
      [
        'FORBIDDEN_PARENT',
        (doc) => {
          appendMessage(doc, {
            id: 'm_fake',
            role: 'assistant',
            author: 'agent-1',
            status: 'done',
            text: 'I am the agent',
          })
        },
      ],
      [
        'FORBIDDEN_PARENT',
        (doc) => {
          appendMessage(doc, { id: 'm_fake2', role: 'user', author: 'alice', status: 'done', text: 'from alice?' })
        },
      ],
      [
        'FORBIDDEN_PARENT',
        (doc) => {
          appendSteer(doc, { id: 'st_fake', kind: 'stop', author: 'alice' })
        },
      ],
      [
        'FORBIDDEN_PARENT',
        (doc) => {
          const map = new Y.Map<unknown>()
          getSessionRoots(doc).messages.insert(0, [map])
          map.set('id', 'm_first')
          map.set('role', 'user')
          map.set('author', 'mallory')
        },
      ],
      [
        'FORBIDDEN_PARENT',
        (doc) => {
          getSessionRoots(doc).meta.set('title', 'pwned')
        },
      ],
      [
        'FORBIDDEN_PARENT',
        (doc) => {
          doc.getMap('shadow-root').set('x', 1)
        },
      ],
    ]
    // Mallory's token grants her on-device agent (PROTOCOL.md §8.4): even so she writes replies only as
    // mallory/on-device, never as agent-1. Without the claim the forged reply is AGENT_REPLY_FORBIDDEN
    // (e2e/node/on-device-agent.test.ts).
    const token = tokenFor('mallory', 'user', sessionId, { onDeviceAgent: true })
    await expectForgedUpdatesRejected(server, sessionId, token, 717_170, attacks)
    expect(await storedTranscript(server, sessionId)).toEqual(before)
    await expectAgentStillWrites(conversation)
  })

  test('observer write: an observer token cannot change anything', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const before = await storedTranscript(server, sessionId)
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('auditor', 'observer', sessionId),
    })
    expect((await raw.waitForFrame('authenticated')).scope).toBe('readonly')
    const attack = await forgeUpdate(raw, 818_181, (doc) => {
      appendMessage(doc, { id: 'm_obs', role: 'user', author: 'auditor', status: 'done', text: 'observer speaks' })
    })
    raw.sendUpdate(attack)
    await expectRejected(raw, events, sessionId, 'ROLE_READ_ONLY')
    const sdkObserver = connectClient({ principalId: 'auditor', token: tokenFor('auditor', 'observer', sessionId) })
    await sdkObserver.waitForSynced()
    const rejected = new Promise<string>((resolve) => {
      sdkObserver.on('error', (error) => {
        resolve(error.code)
      })
    })
    const observerClientId = sdkObserver.doc.clientID
    sdkObserver.sendMessage('me too')
    await expect(rejected).resolves.toBe('UPDATE_REJECTED')
    // The SDK drops the refused message: its fresh replica holds the server's state only.
    await expect
      .poll(() => sdkObserver.messages().map((message) => message.text), { timeout: 5_000 })
      .toEqual(['hi', AGENT_TEXT])
    expect(await storedTranscript(server, sessionId)).toEqual(before)
    await expectLogClean(server, sessionId, attack, { attackerClientIds: [818_181, observerClientId] })
    await expectAgentStillWrites(conversation)
  })

  test('an agent writes only its own parts: not into a user message, not another agent run, not a handled mark for someone else', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    conversation.alice.steer({ kind: 'note', text: 'for the agent' })
    await conversation.alice.waitUntilDurable()
    const before = await storedTranscript(server, sessionId)
    const attacks: Array<[string, (doc: Y.Doc) => void]> = [
      [
        'FORBIDDEN_PARENT',
        (doc) => {
          textOf(userMessageOf(doc)).insert(0, 'agent edit: ')
        },
      ],
      [
        'FORBIDDEN_PARENT',
        (doc) => {
          getSessionRoots(doc).runs.get(conversation.reply.runId)?.set('state', 'failed')
        },
      ],
      [
        'FORBIDDEN_PARENT',
        (doc) => {
          getSessionRoots(doc).steering.get(0).set('handledBy', 'agent-1')
        },
      ],
      [
        'FORBIDDEN_PARENT',
        (doc) => {
          appendSteer(doc, { id: 'st_agent', kind: 'note', author: 'agent-2' })
        },
      ],
    ]
    await expectForgedUpdatesRejected(server, sessionId, tokenFor('agent-2', 'agent', sessionId), 919_190, attacks)
    expect(await storedTranscript(server, sessionId)).toEqual(before)
    await expectAgentStillWrites(conversation)
  })

  test('clock gaps and undecodable bytes are rejected', async ({ server, sessionId, connectClient, connectAgent }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const gapRaw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('mallory', 'user', sessionId),
    })
    const gap = encodeGcSquat(123_456, 10, 5)
    gapRaw.sendUpdate(gap)
    await expectRejected(gapRaw, events, sessionId, 'CLOCK_GAP')
    const junkRaw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('mallory', 'user', sessionId),
    })
    const junk = new Uint8Array([1, 1, 0xc7, 0x99, 0x01, 0, 0x28, 0xff, 0xff, 0xff, 0xff, 0x0f, 3, 0x61])
    junkRaw.sendUpdate(junk)
    // Bytes that are no Yjs update at all close the connection (PROTOCOL.md §3.4): no Yjs client sends them.
    expect(await junkRaw.closed).toEqual(closeFor('UPDATE_REJECTED'))
    expect(
      events.filter((event) => event.sessionId === sessionId).map((event) => event.error.details.reason),
    ).toContain('MALFORMED')
    for (const attack of [gap, junk]) await expectLogClean(server, sessionId, attack, { attackerClientIds: [123_456] })
    await expectAgentStillWrites(conversation)
  })
})
