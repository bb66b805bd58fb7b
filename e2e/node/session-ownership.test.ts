/**
 * Session ownership (docs/security.md § Destructive actions, PROTOCOL.md §8.6) over a real server, real sockets and
 * real storage: only the session's owner (its creator) or an admin may delete a shared session; other participants
 * get 403 NOT_SESSION_OWNER and lose nothing — not the other user's message, not the agent's reply, not their
 * connections. Every attempt that gets a decision is a security event, a log line and a metric, allowed or refused.
 */
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { describe, expect } from 'vitest'
import type { PrincipalRole } from '../../shared/auth/token-claims.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import { createSessionServer, type SessionServer } from '../../server/session-server.ts'
import { BlockedWebSocket } from '../testing/blocked-websocket.ts'
import { testWithStore, type SessionFixtures } from '../testing/fixtures.ts'
import { metricValue } from '../testing/scrape-metrics.ts'
import { STORE_KINDS } from '../testing/test-store.ts'
import { fetchTranscript, TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'

type LogLine = Record<string, unknown> & { level: number; msg: string }

const events: SecurityEvent[] = []
const lines: LogLine[] = []
const output = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogLine)
    done()
  },
})
const logger = pino({ level: 'info' }, output)
const AUTH = {
  auth: {
    secret: TEST_AUTH_SECRET,
    onSecurityEvent: (event: SecurityEvent) => {
      events.push(event)
    },
  },
  logger,
}
const test = testWithStore('sqlite', AUTH)
const openTest = testWithStore('sqlite', { logger })

/** pino's numeric levels. */
const INFO = 30
const WARN = 40
const AGENT_REPLY = 'Here is my answer to bob.'
const METRICS_TOKEN = tokenFor('prometheus', 'observer', '*')

const eventsFor = (sessionId: string): SecurityEvent[] => events.filter((event) => event.sessionId === sessionId)
const linesFor = (sessionId: string): LogLine[] =>
  lines.filter((line) => line.sessionId === sessionId && typeof line.action === 'string')

async function deleteSession(
  server: SessionServer,
  sessionId: string,
  token: string | undefined,
): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const response = await fetch(`${server.url}/v1/sessions/${sessionId}`, {
    method: 'DELETE',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
  const body =
    response.status === 204 ? undefined : ((await response.json()) as { error: { code: string; message: string } })
  return { status: response.status, code: body?.error.code, message: body?.error.message }
}

async function createSession(
  server: SessionServer,
  sessionId: string,
  token: string | undefined,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    body: JSON.stringify({ id: sessionId, title: 'Shared' }),
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

async function destructiveActions(
  server: SessionServer,
  outcome: 'allowed' | 'refused',
  token = METRICS_TOKEN,
): Promise<number> {
  return (
    (await metricValue(server.url, token, 'lifeline_destructive_actions_total', { action: 'delete', outcome })) ?? 0
  )
}

/**
 * alice creates the session over HTTP and writes; bob, another user, asks; agent-1 answers bob. Resolves once all of
 * it is durable, with alice's client (still connected) and the transcript as stored.
 */
async function startSharedSession({
  server,
  sessionId,
  connectClient,
  connectAgent,
}: Pick<SessionFixtures, 'server' | 'sessionId' | 'connectClient' | 'connectAgent'>) {
  expect(await createSession(server, sessionId, tokenFor('alice', 'user', '*'))).toMatchObject({
    status: 201,
    body: { id: sessionId, owner: 'alice' },
  })
  const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
  const bob = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
  await Promise.all([alice.waitForSynced(), bob.waitForSynced()])
  const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
  agent.onUserMessage(async (message) => {
    if (message.author !== 'bob') return
    const reply = agent.startReply({ replyTo: message.id })
    reply.append(AGENT_REPLY)
    await reply.end('done')
  })
  alice.sendMessage('from alice')
  await expect.poll(() => bob.messages().length, { timeout: 10_000 }).toBe(1)
  bob.sendMessage('from bob')
  await expect
    .poll(() => alice.messages().find((message) => message.role === 'assistant')?.status, { timeout: 10_000 })
    .toBe('done')
  await Promise.all([alice.waitUntilDurable(), bob.waitUntilDurable(), agent.client.waitUntilDurable()])
  const transcript = await fetchTranscript(server.url, sessionId, tokenFor('alice', 'user', sessionId))
  expect(transcript.body.messages?.map((message) => [message.author, message.text])).toEqual([
    ['alice', 'from alice'],
    ['bob', 'from bob'],
    ['agent-1', AGENT_REPLY],
  ])
  return { alice, transcript: transcript.body }
}

describe('session ownership with auth on', () => {
  test('the owner, a user who created the session, deletes it: 204, an info log line, a session-deleted event and a metric', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    await startSharedSession({ server, sessionId, connectClient, connectAgent })
    expect(await deleteSession(server, sessionId, tokenFor('alice', 'user', sessionId))).toMatchObject({ status: 204 })
    expect(await server.updateLog.getSession(sessionId)).toBeUndefined()
    expect(
      eventsFor(sessionId).map(({ kind, principalId, role, admin, action, outcome, error }) => ({
        kind,
        principalId,
        role,
        admin,
        action,
        outcome,
        code: error.code,
      })),
    ).toEqual([
      {
        kind: 'session-deleted',
        principalId: 'alice',
        role: 'user',
        admin: undefined,
        action: 'delete',
        outcome: 'allowed',
        code: 'SESSION_DELETED',
      },
    ])
    await expect
      .poll(() => linesFor(sessionId))
      .toEqual([
        expect.objectContaining({
          level: INFO,
          event: 'session-deleted',
          principalId: 'alice',
          role: 'user',
          action: 'delete',
          outcome: 'allowed',
          code: 'SESSION_DELETED',
        }),
      ])
    expect(await destructiveActions(server, 'allowed')).toBe(1)
    expect(await destructiveActions(server, 'refused')).toBe(0)
  })

  test.for<[string, string, PrincipalRole]>([
    ['another user of the session', 'bob', 'user'],
    ["the session's agent", 'agent-1', 'agent'],
    ['an observer', 'auditor', 'observer'],
    ['the owner with an observer token', 'alice', 'observer'],
  ])(
    '%s gets 403 NOT_SESSION_OWNER and nothing is erased',
    async ([, sub, role], { server, sessionId, connectClient, connectAgent }) => {
      const { alice, transcript } = await startSharedSession({ server, sessionId, connectClient, connectAgent })
      const auditBefore = await server.updateLog.readAudit(sessionId, { limit: 1000 })
      for (const scope of [sessionId, '*']) {
        const refused = await deleteSession(server, sessionId, tokenFor(sub, role, scope))
        expect(refused).toMatchObject({ status: 403, code: 'NOT_SESSION_OWNER' })
        expect(refused.message).toMatch(/only the owner of session .* or an admin may delete it/)
      }
      // The other person's message, the agent's reply, the audit trail and every connection are still there.
      expect((await fetchTranscript(server.url, sessionId, tokenFor('alice', 'user', sessionId))).body).toEqual(
        transcript,
      )
      expect(await server.updateLog.readAudit(sessionId, { limit: 1000 })).toEqual(auditBefore)
      expect(alice.status).toBe('synced')
      alice.sendMessage('still here')
      await alice.waitUntilDurable()
      expect(
        eventsFor(sessionId).map(({ kind, principalId, role: eventRole, action, outcome, error }) => [
          kind,
          principalId,
          eventRole,
          action,
          outcome,
          error.code,
        ]),
      ).toEqual(
        Array.from({ length: 2 }, () => [
          'destructive-action-refused',
          sub,
          role,
          'delete',
          'refused',
          'NOT_SESSION_OWNER',
        ]),
      )
      await expect
        .poll(() =>
          linesFor(sessionId).map((line) => [
            line.level,
            line.event,
            line.principalId,
            line.role,
            line.outcome,
            line.code,
          ]),
        )
        .toEqual(
          Array.from({ length: 2 }, () => [
            WARN,
            'destructive-action-refused',
            sub,
            role,
            'refused',
            'NOT_SESSION_OWNER',
          ]),
        )
      expect(await destructiveActions(server, 'refused')).toBe(2)
      expect(await destructiveActions(server, 'allowed')).toBe(0)
    },
  )

  test.for<PrincipalRole>(['user', 'agent', 'observer'])(
    'an admin token with role %s deletes a session it does not own',
    async (role, { server, sessionId, connectClient, connectAgent }) => {
      await startSharedSession({ server, sessionId, connectClient, connectAgent })
      expect(await deleteSession(server, sessionId, tokenFor('ops', role, sessionId, { admin: true }))).toMatchObject({
        status: 204,
      })
      expect(await server.updateLog.getSession(sessionId)).toBeUndefined()
      expect(
        eventsFor(sessionId).map(({ kind, principalId, role: eventRole, admin, outcome }) => [
          kind,
          principalId,
          eventRole,
          admin,
          outcome,
        ]),
      ).toEqual([['session-deleted', 'ops', role, true, 'allowed']])
      await expect
        .poll(() => linesFor(sessionId))
        .toEqual([expect.objectContaining({ level: INFO, event: 'session-deleted', principalId: 'ops', admin: true })])
    },
  )

  test('a token for another session is refused with FORBIDDEN, reported, and does not learn whether the session exists', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    await startSharedSession({ server, sessionId, connectClient, connectAgent })
    const stranger = tokenFor('mallory', 'user', 'another-session', { admin: true })
    expect(await deleteSession(server, sessionId, stranger)).toMatchObject({ status: 403, code: 'FORBIDDEN' })
    expect(await deleteSession(server, `${sessionId}-missing`, stranger)).toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    })
    expect(await deleteSession(server, sessionId, undefined)).toMatchObject({ status: 401, code: 'UNAUTHORIZED' })
    expect(await server.updateLog.getSession(sessionId)).toBeDefined()
    expect(
      eventsFor(sessionId).map(({ kind, principalId, outcome, error }) => [kind, principalId, outcome, error.code]),
    ).toEqual([['destructive-action-refused', 'mallory', 'refused', 'FORBIDDEN']])
    // A token that opens the session but names an unknown one gets 404, as before.
    expect(await deleteSession(server, `${sessionId}-missing`, tokenFor('alice', 'user', '*'))).toMatchObject({
      status: 404,
      code: 'SESSION_NOT_FOUND',
    })
  })

  test('a session without an owner (created with auth off) can be deleted by an admin only', async ({
    store,
    startServer,
    sessionId,
  }) => {
    const open = await createSessionServer({ port: 0, updateLog: await store.open(), logger })
    try {
      expect(await createSession(open, sessionId, undefined)).toMatchObject({ status: 201, body: { owner: null } })
    } finally {
      await open.close()
    }
    const server = await startServer()
    const shown = await fetchTranscript(server.url, sessionId, tokenFor('alice', 'user', sessionId))
    expect(shown.body).toMatchObject({ id: sessionId, owner: null })
    const refused = await deleteSession(server, sessionId, tokenFor('alice', 'user', '*'))
    expect(refused).toMatchObject({ status: 403, code: 'NOT_SESSION_OWNER' })
    expect(refused.message).toContain('has no owner')
    expect(await deleteSession(server, sessionId, tokenFor('ops', 'user', '*', { admin: true }))).toMatchObject({
      status: 204,
    })
    expect(eventsFor(sessionId).map(({ kind, principalId }) => [kind, principalId])).toEqual([
      ['destructive-action-refused', 'alice'],
      ['session-deleted', 'ops'],
    ])
  })
})

describe.each(STORE_KINDS)('a session created by a first WebSocket connection on %s', (kind) => {
  const storeTest = testWithStore(kind, AUTH)

  storeTest(
    'belongs to the connecting principal: shown as owner, deleted by it and by nobody else',
    async ({ server, sessionId, connectClient }) => {
      const bob = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
      await bob.waitForSynced()
      bob.sendMessage('bob was here first')
      await bob.waitUntilDurable()
      expect(await server.updateLog.getSession(sessionId)).toMatchObject({ id: sessionId, owner: 'bob' })
      expect((await fetchTranscript(server.url, sessionId, tokenFor('alice', 'user', sessionId))).body).toMatchObject({
        owner: 'bob',
      })
      const listed = await fetch(`${server.url}/v1/sessions`, {
        headers: { authorization: `Bearer ${tokenFor('alice', 'user', '*')}` },
      })
      expect(
        ((await listed.json()) as { sessions: Array<{ id: string; owner: string | null }> }).sessions,
      ).toContainEqual(expect.objectContaining({ id: sessionId, owner: 'bob' }))
      const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
      await alice.waitForSynced()
      expect(await deleteSession(server, sessionId, tokenFor('alice', 'user', sessionId))).toMatchObject({
        status: 403,
        code: 'NOT_SESSION_OWNER',
      })
      expect(await deleteSession(server, sessionId, tokenFor('bob', 'user', sessionId))).toMatchObject({ status: 204 })
      await expect.poll(() => [bob.status, alice.status], { timeout: 10_000 }).toEqual(['failed', 'failed'])
      expect(eventsFor(sessionId).map(({ kind, principalId }) => [kind, principalId])).toEqual([
        ['destructive-action-refused', 'alice'],
        ['session-deleted', 'bob'],
      ])
    },
  )
})

describe('a session created by a first connection over the HTTP fallback', () => {
  test('belongs to the connecting principal', async ({ server, sessionId, connectClient }) => {
    const carol = connectClient({
      principalId: 'carol',
      token: tokenFor('carol', 'user', sessionId),
      WebSocket: BlockedWebSocket,
      transport: { websocketTimeoutMs: 1_000, upgradeProbeMs: 60_000 },
    })
    await carol.waitForSynced(15_000)
    expect(await server.updateLog.getSession(sessionId)).toMatchObject({ owner: 'carol' })
    expect(await deleteSession(server, sessionId, tokenFor('bob', 'user', sessionId))).toMatchObject({
      status: 403,
      code: 'NOT_SESSION_OWNER',
    })
    expect(await deleteSession(server, sessionId, tokenFor('carol', 'user', sessionId))).toMatchObject({ status: 204 })
    await expect.poll(() => carol.status, { timeout: 10_000 }).toBe('failed')
  })
})

describe('session ownership with auth off', () => {
  openTest(
    'anyone deletes (there is no identity); the deletion is still logged and counted',
    async ({ server, sessionId, connectClient }) => {
      const client = connectClient()
      client.sendMessage('anonymous')
      await client.waitUntilDurable()
      expect(await server.updateLog.getSession(sessionId)).toMatchObject({ owner: null })
      expect(await deleteSession(server, sessionId, undefined)).toMatchObject({ status: 204 })
      await expect
        .poll(() => linesFor(sessionId))
        .toEqual([
          expect.objectContaining({
            level: INFO,
            event: 'session-deleted',
            action: 'delete',
            outcome: 'allowed',
            code: 'SESSION_DELETED',
          }),
        ])
      expect(linesFor(sessionId)[0]).not.toHaveProperty('principalId')
      expect(
        await metricValue(server.url, undefined, 'lifeline_destructive_actions_total', {
          action: 'delete',
          outcome: 'allowed',
        }),
      ).toBe(1)
    },
  )
})
