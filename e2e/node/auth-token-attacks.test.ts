/**
 * Named attacks on authentication and presence (PROTOCOL.md §8.2, §8.5): tokens for another session, expired,
 * badly signed, unsigned or missing are refused — the socket is closed with the code's close code and the SDK's
 * `error` event carries the code — and nothing is stored. Awareness identity comes from the token: a user claiming
 * to be the agent is shown as itself, and awareness for the agent's clientID, or for the clientID the server
 * publishes an HTTP device under, is rejected.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { ERROR_CODES } from '../../shared/errors/error-codes.ts'
import { sessionPresencePath } from '../../shared/protocol/routes.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import { createTokenClaims, signToken } from '../../server/auth/sign-token.ts'
import {
  expectAgentStillWrites,
  expectAwarenessRejected,
  expectRejected,
  forgeUpdate,
  startConversation,
  storedTranscript,
} from '../testing/attack-kit.ts'
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

const nowSeconds = (): number => Math.floor(Date.now() / 1000)

describe('token attacks are refused with a coded close', () => {
  const badTokens: Array<[string, (sessionId: string) => string, 'UNAUTHORIZED' | 'FORBIDDEN' | 'TOKEN_EXPIRED']> = [
    ['a token for another session', () => tokenFor('alice', 'user', 'some-other-session'), 'FORBIDDEN'],
    [
      'an expired token',
      (sessionId) =>
        signToken({ sub: 'alice', role: 'user', session: sessionId, exp: nowSeconds() - 60 }, TEST_AUTH_SECRET),
      'TOKEN_EXPIRED',
    ],
    [
      'a token with a bad signature',
      (sessionId) => tokenFor('alice', 'user', sessionId, { secret: 'another-secret-that-is-long-enough-0123' }),
      'UNAUTHORIZED',
    ],
    [
      'a tampered token (role raised, signature kept)',
      (sessionId) => {
        const [header, , signature] = tokenFor('alice', 'observer', sessionId).split('.')
        const claims = Buffer.from(
          JSON.stringify(createTokenClaims({ sub: 'alice', role: 'agent', session: sessionId })),
        ).toString('base64url')
        return `${header}.${claims}.${signature}`
      },
      'UNAUTHORIZED',
    ],
    [
      'an unsigned token (alg none)',
      (sessionId) => {
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
        const claims = Buffer.from(
          JSON.stringify(createTokenClaims({ sub: 'alice', role: 'agent', session: sessionId })),
        ).toString('base64url')
        return `${header}.${claims}.`
      },
      'UNAUTHORIZED',
    ],
    ['no token', () => '', 'UNAUTHORIZED'],
  ]

  test.for(badTokens)(
    '%s → %s over a raw socket, nothing stored',
    async ([, makeToken, code], { server, sessionId }) => {
      const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token: makeToken(sessionId) })
      expect((await raw.waitForFrame('permission-denied')).reason).toBe(code)
      expect(await raw.closed).toEqual({ code: ERROR_CODES[code].closeCode, reason: code })
      await expect
        .poll(() =>
          events.filter((event) => event.sessionId === sessionId).map((event) => [event.kind, event.error.code]),
        )
        .toEqual([['authentication-failed', code]])
      expect(await server.updateLog.getSession(sessionId)).toBeUndefined()
      expect(server.hocuspocus.documents.has(sessionId)).toBe(false)
    },
  )

  test.for(badTokens)('%s → %s as the SDK error event', async ([, makeToken, code], { sessionId, connectClient }) => {
    const client = connectClient({ principalId: 'alice', token: makeToken(sessionId) })
    const errors: SessionError[] = []
    client.on('error', (error) => {
      errors.push(error)
    })
    await expect.poll(() => client.status, { timeout: 5_000 }).toBe('failed')
    expect(errors.map((error) => [error.code, error.details.closeCode])).toEqual([[code, ERROR_CODES[code].closeCode]])
    expect(client.messages()).toEqual([])
    // It stopped: while a good client connects and syncs, the refused one does not try again.
    const good = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
    await good.waitForSynced()
    expect(client.status).toBe('failed')
    expect(errors).toHaveLength(1)
    expect(
      events.filter((event) => event.sessionId === sessionId && event.kind === 'authentication-failed'),
    ).toHaveLength(1)
  })

  test('an agent with a bad token fails with the refusal instead of timing out', async ({ connectAgent }) => {
    // A TIMEOUT would reject too, with another code: FORBIDDEN proves the refusal itself ended the attempt.
    await expect(
      connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', 'elsewhere') }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })

  test('a token that expires while connected closes the connection with TOKEN_EXPIRED', async ({
    sessionId,
    connectClient,
  }) => {
    // Expires 1–2 s from now (exp has whole seconds): after the sync, which takes milliseconds.
    const client = connectClient({
      principalId: 'alice',
      token: tokenFor('alice', 'user', sessionId, { ttlSeconds: 2 }),
    })
    const error = new Promise<SessionError>((resolve) => {
      client.on('error', resolve)
    })
    await client.waitForSynced()
    await expect(error).resolves.toMatchObject({ code: 'TOKEN_EXPIRED' })
    expect(events.filter((event) => event.sessionId === sessionId).map((event) => event.kind)).toContain(
      'token-expired',
    )
  })
})

describe('awareness identity comes from the token', () => {
  test('awareness spoof: a user claiming to be the agent is shown as itself', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const conversation = await startConversation({ sessionId, connectClient, connectAgent })
    const impostor = connectClient({
      principalId: 'agent-1',
      device: 'totally-the-agent',
      token: tokenFor('mallory', 'user', sessionId),
    })
    await impostor.waitForSynced()
    const shown = () =>
      conversation.alice
        .presence()
        .filter((member) => !member.self)
        .map((member) => `${member.principalId}/${member.device ?? ''}`)
        .sort()
    await expect.poll(shown, { timeout: 5_000 }).toEqual(['agent-1/', 'mallory/totally-the-agent'])
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('mallory', 'user', sessionId),
    })
    const rawClientId = 313_131
    raw.sendAwareness(
      encodeAwarenessState(rawClientId, { member: { principalId: 'agent-1', role: 'agent' }, cursor: 3 }),
    )
    await expect.poll(shown, { timeout: 5_000 }).toEqual(['agent-1/', 'mallory/', 'mallory/totally-the-agent'])
    expect(await storedTranscript(server, sessionId)).toMatchObject({
      messages: [{ author: 'alice' }, { author: 'agent-1' }],
    })
  })

  test('awareness for the agent clientID is rejected and the agent stays listed once', async ({
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
    raw.sendAwareness(
      encodeAwarenessState(conversation.agentClientId, { member: { principalId: 'agent-1' }, status: 'hacked' }),
    )
    await expectAwarenessRejected(raw, events, sessionId, 'FOREIGN_CLIENT_ID')
    expect(
      conversation.alice
        .presence()
        .filter((member) => member.clientId === conversation.agentClientId)
        .map((member) => member.principalId),
    ).toEqual(['agent-1'])
    await expectAgentStillWrites(conversation)
  })

  test("awareness for an HTTP device's clientID is rejected and the device stays listed as itself", async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    const announced = await fetch(`${server.url}${sessionPresencePath(sessionId)}`, {
      method: 'POST',
      body: JSON.stringify({ device: 'worker' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor('bot', 'agent', sessionId)}` },
    })
    expect(announced.status).toBe(200)
    const device = async () => {
      await expect.poll(() => alice.presence().some((member) => member.principalId === 'bot')).toBe(true)
      return alice.presence().find((member) => member.principalId === 'bot')
    }
    const { clientId } = (await device()) as { clientId: number }
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('mallory', 'user', sessionId),
    })
    raw.sendAwareness(encodeAwarenessState(clientId, { member: { principalId: 'bot' }, status: 'hacked' }))
    await expectAwarenessRejected(raw, events, sessionId, 'FOREIGN_CLIENT_ID')
    const writer = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('mallory', 'user', sessionId),
    })
    writer.sendUpdate(
      await forgeUpdate(writer, clientId, (doc) => {
        doc.getMap('context').set('x', 1)
      }),
    )
    await expectRejected(writer, events, sessionId, 'FOREIGN_CLIENT_ID')
    expect(await device()).toEqual({ clientId, principalId: 'bot', role: 'agent', device: 'worker', self: false })
  })

  test('a user cannot write with a clientID it saw in awareness before the agent wrote', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
    const agentClientId = agent.client.doc.clientID
    await expect
      .poll(() => alice.presence().map((member) => member.clientId), { timeout: 5_000 })
      .toContain(agentClientId)
    expect(Y.getState(agent.client.doc.store, agentClientId)).toBe(0)
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('mallory', 'user', sessionId),
    })
    raw.sendUpdate(
      await forgeUpdate(raw, agentClientId, (doc) => {
        doc.getMap('context').set('x', 1)
      }),
    )
    await expectRejected(raw, events, sessionId, 'FOREIGN_CLIENT_ID')
  })
})
