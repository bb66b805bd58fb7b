/**
 * Token refresh (PROTOCOL.md §8.7) against a real server with auth on: clients given a token provider present a
 * fresh token on the open connection before each expiry, so a user and an agent outlive their first tokens without
 * dropping; a refreshed token for another principal, role or session, or a bad or expired one, closes the
 * connection with its code and a `token-refresh-rejected` security event.
 */
import { describe, expect } from 'vitest'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import { signToken } from '../../server/auth/sign-token.ts'
import type { ConnectionStatus } from '../../client/core/connection-status.ts'
import { decodeTokenClaims } from '../../shared/auth/token-claims.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { fetchTranscript, TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'
import type { ErrorCode } from '../../shared/errors/error-codes.ts'
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

/** A token provider minting 3-second tokens, recording each expiry. */
function shortLived(
  sub: string,
  role: 'user' | 'agent',
  sessionId: string,
): { provide: () => string; expiries: number[] } {
  const expiries: number[] = []
  return {
    expiries,
    provide: () => {
      const token = tokenFor(sub, role, sessionId, { ttlSeconds: 3 })
      expiries.push((decodeTokenClaims(token)?.exp ?? 0) * 1000)
      return token
    },
  }
}

describe('token refresh', () => {
  test('a user and an agent outlive their first tokens without dropping', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const alice = shortLived('alice', 'user', sessionId)
    const writer = shortLived('agent-1', 'agent', sessionId)
    const client = connectClient({ principalId: 'alice', token: alice.provide })
    await client.waitForSynced()
    const agent = await connectAgent({ agentId: 'agent-1', token: writer.provide })
    const statuses: ConnectionStatus[] = []
    const errors: string[] = []
    client.on('status', (status) => {
      statuses.push(status)
    })
    client.on('error', (error) => {
      errors.push(error.code)
    })
    agent.client.on('status', (status) => {
      statuses.push(status)
    })
    agent.client.on('error', (error) => {
      errors.push(error.code)
    })
    agent.onUserMessage(async (message) => {
      await agent.startReply({ replyTo: message.id }).pipe(words(`late answer to ${message.text}`))
    })

    const firstExpiry = Math.max(alice.expiries[0] ?? 0, writer.expiries[1] ?? 0)
    // Past both first tokens' expiry, and each provider asked at least twice more on the open connection.
    await expect
      .poll(() => Date.now() > firstExpiry + 1_000 && alice.expiries.length >= 3 && writer.expiries.length >= 4, {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(true)
    client.sendMessage('still here?')
    await expect
      .poll(() => client.messages().find((message) => message.role === 'assistant')?.status, { timeout: 10_000 })
      .toBe('done')
    await client.waitUntilDurable()
    expect(client.messages().map((message) => message.text)).toEqual(['still here?', 'late answer to still here? '])
    expect({ statuses, errors }).toEqual({ statuses: [], errors: [] })
    expect(events.filter((event) => event.sessionId === sessionId)).toEqual([])
    const stored = await fetchTranscript(server.url, sessionId, tokenFor('auditor', 'observer', sessionId))
    expect(stored.body.messages?.map((message) => message.text)).toEqual(['still here?', 'late answer to still here? '])
    // Short-lived tokens expire on the real clock (the server checks `exp` against its own time): the poll above waits
    // up to 20 s for both first tokens to run out and be refreshed, then the agent answers.
  }, 40_000)

  const refusals: Array<[string, ErrorCode, (sessionId: string) => string]> = [
    ['another principal', 'FORBIDDEN', (sessionId) => tokenFor('bob', 'user', sessionId)],
    ['another role', 'FORBIDDEN', (sessionId) => tokenFor('alice', 'observer', sessionId)],
    ['another session scope', 'FORBIDDEN', () => tokenFor('alice', 'user', '*')],
    [
      'another onDeviceAgent capability',
      'FORBIDDEN',
      (sessionId) => tokenFor('alice', 'user', sessionId, { onDeviceAgent: true }),
    ],
    [
      'a bad signature',
      'UNAUTHORIZED',
      (sessionId) => tokenFor('alice', 'user', sessionId, { secret: 'another-secret-0123456789abcdef-xyz' }),
    ],
    [
      'an expired token',
      'TOKEN_EXPIRED',
      (sessionId) =>
        signToken(
          { sub: 'alice', role: 'user', session: sessionId, exp: Math.floor(Date.now() / 1000) - 5 },
          TEST_AUTH_SECRET,
        ),
    ],
  ]
  test.for(refusals)(
    'a refresh with %s closes the connection with %s',
    async ([, code, make], { server, sessionId }) => {
      const raw = await connectRawSession({
        url: server.websocketUrl,
        sessionId,
        token: tokenFor('alice', 'user', sessionId),
      })
      await raw.serverState()
      raw.sendAuth(make(sessionId))
      expect(await raw.closed).toEqual(closeFor(code))
      await expect
        .poll(
          () =>
            events
              .filter((event) => event.sessionId === sessionId)
              .map((event) => [event.kind, event.principalId, event.error.code]),
          { timeout: 5_000 },
        )
        .toEqual([['token-refresh-rejected', 'alice', code]])
    },
  )

  test('a refresh with the same principal, role and session keeps a raw connection past its first expiry', async ({
    server,
    sessionId,
  }) => {
    const first = tokenFor('alice', 'user', sessionId, { ttlSeconds: 2 })
    const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token: first })
    await raw.serverState()
    raw.sendAuth(tokenFor('alice', 'user', sessionId, { ttlSeconds: 60 }))
    const firstExpiry = (decodeTokenClaims(first)?.exp ?? 0) * 1000
    await expect.poll(() => Date.now() > firstExpiry + 1_000, { timeout: 10_000, interval: 200 }).toBe(true)
    // Still open and answering: a sync step 1 gets its step 2.
    const answers = raw.frames.filter((frame) => frame.type === 'sync').length
    raw.sendSyncStep1(new Uint8Array([0]))
    await expect
      .poll(() => raw.frames.filter((frame) => frame.type === 'sync').length, { timeout: 5_000 })
      .toBeGreaterThan(answers)
    expect(raw.frames.filter((frame) => frame.type === 'close-message')).toEqual([])
    expect(events.filter((event) => event.sessionId === sessionId)).toEqual([])
    raw.close()
  })
})

async function* words(text: string): AsyncGenerator<string> {
  for (const word of text.split(' ')) yield `${word} `
}
