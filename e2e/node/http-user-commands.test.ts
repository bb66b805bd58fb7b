/**
 * Users and HTTP devices over plain HTTP (PROTOCOL.md §9.7, §9.9): a user token appends messages and steers to the
 * session stream, authored by the token's subject and governed like Yjs writes (roles, text limit, message and steer
 * rates); an agent steered that way stops. HTTP devices announce presence with a lease that the stream's `presence`
 * events, the presence route and Yjs clients' awareness show, and that ends when they leave or stop renewing it.
 */
import { describe, expect } from 'vitest'
import type { SessionClient, SessionClientOptions } from '../../client/core/session-client.ts'
import { sessionPresencePath } from '../../shared/protocol/routes.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { readSessionEvents } from '../testing/session-stream-reader.ts'
import { AUTH_ON, tokenFor } from '../testing/test-tokens.ts'

const authTest = testWithStore('sqlite', {
  ...AUTH_ON,
  // Long enough that the Yjs clients' heartbeats and the steps between announcing a device and checking it outlast no
  // lease on a loaded machine; the tests that wait for a lease to end wait this long.
  presenceTimeoutMs: 3_000,
  limits: { maxUserTextChars: 50, messageBurst: 3, messagesPerSecond: 0.01 },
})

async function createSession(baseUrl: string, sessionId: string): Promise<void> {
  const response = await fetch(`${baseUrl}/v1/sessions`, {
    method: 'POST',
    body: JSON.stringify({ id: sessionId }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor('alice', 'user', '*')}` },
  })
  expect(response.status).toBe(201)
}

/** Creates the session and connects Alice's laptop to it, synced; returns the bot's token and Alice's client. */
async function openWithAlice(
  baseUrl: string,
  sessionId: string,
  connectClient: (options?: Partial<SessionClientOptions>) => SessionClient,
): Promise<{ bot: string; alice: SessionClient }> {
  await createSession(baseUrl, sessionId)
  const alice = connectClient({ principalId: 'alice', device: 'laptop', token: tokenFor('alice', 'user', sessionId) })
  await alice.waitForSynced()
  return { bot: tokenFor('bot', 'agent', sessionId), alice }
}

async function errorOf(response: Response): Promise<[number, string]> {
  return [response.status, ((await response.json()) as { error: { code: string } }).error.code]
}

async function announce(baseUrl: string, sessionId: string, token: string, body: unknown): Promise<Response> {
  return await fetch(`${baseUrl}${sessionPresencePath(sessionId)}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  })
}

describe('user commands over HTTP', () => {
  authTest('a user token sends messages and steers as itself; roles and limits hold', async ({ server, sessionId }) => {
    await createSession(server.url, sessionId)
    const alice = tokenFor('alice', 'user', sessionId)
    const bot = tokenFor('bot', 'agent', sessionId)
    const send = (token: string, seq: number, commands: unknown) =>
      postSessionCommands(server.url, sessionId, { producerId: 'dev', epoch: 0, seq, token, commands })
    expect((await send(alice, 0, { type: 'message', messageId: 'q1', text: 'hello', device: 'py' })).status).toBe(200)
    expect((await send(alice, 0, { type: 'message', messageId: 'q1', text: 'hello', device: 'py' })).status).toBe(204)
    expect((await send(bot, 0, [{ type: 'start', messageId: 'r1', replyTo: 'q1' }])).status).toBe(200)
    expect(await errorOf(await send(alice, 1, { type: 'start', messageId: 'r2' }))).toEqual([403, 'FORBIDDEN'])
    expect(await errorOf(await send(bot, 1, { type: 'message', messageId: 'q2', text: 'x' }))).toEqual([
      403,
      'FORBIDDEN',
    ])
    expect(await errorOf(await send(alice, 1, { type: 'message', messageId: 'q3', text: 'y'.repeat(51) }))).toEqual([
      413,
      'TEXT_TOO_LONG',
    ])
    expect(await errorOf(await send(alice, 1, { type: 'steer', steerId: 's0', kind: 'redirect' }))).toEqual([
      400,
      'BAD_REQUEST',
    ])
    expect(await errorOf(await send(alice, 1, { type: 'steer', steerId: 's0', kind: 'stop', target: 'nope' }))).toEqual(
      [400, 'BAD_REQUEST'],
    )
    expect((await send(alice, 1, { type: 'steer', steerId: 's1', kind: 'stop', target: 'r1' })).status).toBe(200)
    // Alice's burst is 3 messages and q1 used one: two more pass, the next is refused.
    expect((await send(alice, 2, { type: 'message', messageId: 'q4', text: 'a' })).status).toBe(200)
    expect((await send(alice, 3, { type: 'message', messageId: 'q5', text: 'b' })).status).toBe(200)
    expect(await errorOf(await send(alice, 4, { type: 'message', messageId: 'q6', text: 'c' }))).toEqual([
      429,
      'RATE_LIMITED',
    ])
    const events = (await readSessionEvents(server.url, sessionId, { token: alice })).map(({ event }) => event)
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'message.created', messageId: 'q1', author: 'alice' }),
    )
    expect(events).toContainEqual({ type: 'message.delta', messageId: 'q1', part: 0, partType: 'text', text: 'hello' })
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'steer', steerId: 's1', kind: 'stop', target: 'r1', author: 'alice' }),
    )
    expect(events.filter((event) => event.type === 'message.created').map((event) => event.messageId)).toEqual([
      'q1',
      'r1',
      'q4',
      'q5',
    ])
    const runs = async () => {
      const response = await fetch(`${server.url}/v1/sessions/${sessionId}`, {
        headers: { authorization: `Bearer ${bot}` },
      })
      return ((await response.json()) as { runs: Array<{ messageId: string; heartbeatAt: number }> }).runs
    }
    const startedBeat = (await runs()).find((run) => run.messageId === 'r1')?.heartbeatAt ?? 0
    // The bot's seq 1 is unused (its refused message above applied nothing); each poll sends the next heartbeat.
    let botSeq = 1
    await expect
      .poll(async () => {
        expect((await send(bot, botSeq++, { type: 'heartbeat', messageId: 'r1' })).status).toBe(200)
        return (await runs()).find((run) => run.messageId === 'r1')?.heartbeatAt ?? 0
      })
      .toBeGreaterThan(startedBeat)
    expect(await errorOf(await send(alice, 5, { type: 'heartbeat', messageId: 'r1' }))).toEqual([403, 'FORBIDDEN'])
    const observer = tokenFor('eve', 'observer', sessionId)
    expect(await errorOf(await send(observer, 0, { type: 'message', messageId: 'q7', text: 'z' }))).toEqual([
      403,
      'FORBIDDEN',
    ])
  })

  authTest('a stop steer sent over HTTP stops a Node agent reply', async ({ server, sessionId, connectAgent }) => {
    await createSession(server.url, sessionId)
    const alice = tokenFor('alice', 'user', sessionId)
    const agent = await connectAgent({ agentId: 'bot', token: tokenFor('bot', 'agent', sessionId) })
    const question = await postSessionCommands(server.url, sessionId, {
      producerId: 'dev',
      epoch: 0,
      seq: 0,
      token: alice,
      commands: { type: 'message', messageId: 'q1', text: 'count' },
    })
    expect(question.status).toBe(200)
    const reply = agent.startReply({ replyTo: 'q1' })
    reply.append('one ')
    await reply.flush()
    const stop = await postSessionCommands(server.url, sessionId, {
      producerId: 'dev',
      epoch: 0,
      seq: 1,
      token: alice,
      commands: { type: 'steer', steerId: 's1', kind: 'stop', target: reply.id },
    })
    expect(stop.status).toBe(200)
    await expect.poll(() => reply.signal.aborted).toBe(true)
  })
})

describe('presence over HTTP', () => {
  authTest(
    'Yjs clients see an HTTP device in their presence until its lease ends',
    async ({ server, sessionId, connectClient }) => {
      const { bot, alice } = await openWithAlice(server.url, sessionId, connectClient)
      const people = (client: typeof alice) =>
        client.presenceByPerson().map((person) => ({
          principalId: person.principalId,
          role: person.role,
          devices: person.devices.map((device) => device.device).sort(),
        }))
      // Identity comes from the token: the body's principal and role are ignored with auth on.
      const worker = await announce(server.url, sessionId, bot, {
        device: 'worker',
        principalId: 'mallory',
        role: 'user',
      })
      expect(worker.status).toBe(200)
      expect((await announce(server.url, sessionId, bot, { device: 'gpu' })).status).toBe(200)
      await expect
        .poll(() => people(alice))
        .toEqual([
          { principalId: 'alice', role: 'user', devices: ['laptop'] },
          { principalId: 'bot', role: 'agent', devices: ['gpu', 'worker'] },
        ])
      // A client that connects later sees the devices announced before it came.
      const phone = connectClient({
        principalId: 'alice',
        device: 'phone',
        token: tokenFor('alice', 'user', sessionId),
      })
      await phone.waitForSynced()
      await expect
        .poll(() => people(phone))
        .toContainEqual({ principalId: 'bot', role: 'agent', devices: ['gpu', 'worker'] })
      // Ended by the device: gone at once. The stream's presence events count each HTTP device once. The worker
      // renews first, so its lease outlasts the checks below however long the steps above took.
      expect((await announce(server.url, sessionId, bot, { device: 'worker' })).status).toBe(200)
      expect((await announce(server.url, sessionId, bot, { device: 'gpu', present: false })).status).toBe(200)
      await expect.poll(() => people(alice)).toContainEqual({ principalId: 'bot', role: 'agent', devices: ['worker'] })
      await expect
        .poll(async () => {
          const events = await readSessionEvents(server.url, sessionId, { token: bot })
          const last = events.filter(({ event }) => event.type === 'presence').at(-1)?.event
          return last?.type === 'presence' ? last.members.filter((member) => member.principalId === 'bot') : []
        })
        .toEqual([{ principalId: 'bot', role: 'agent', device: 'worker' }])
      // Not renewed: the lease runs out and every Yjs client sees the device leave.
      await expect
        .poll(() => people(alice), { timeout: 10_000 })
        .toEqual([{ principalId: 'alice', role: 'user', devices: ['laptop', 'phone'] }])
      await expect
        .poll(() => people(phone), { timeout: 10_000 })
        .toEqual([{ principalId: 'alice', role: 'user', devices: ['laptop', 'phone'] }])
    },
    30_000, // waits a lease out, on a machine that may be loaded
  )

  authTest(
    'an HTTP device is present while its lease lasts',
    async ({ server, sessionId, connectClient }) => {
      const { bot } = await openWithAlice(server.url, sessionId, connectClient)
      const first = await announce(server.url, sessionId, bot, { device: 'worker' })
      expect(first.status).toBe(200)
      const body = (await first.json()) as { members: unknown[]; leaseMs: number }
      expect(body.leaseMs).toBe(3_000)
      expect(body.members).toContainEqual({ principalId: 'bot', role: 'agent', device: 'worker' })
      expect(body.members).toContainEqual(expect.objectContaining({ principalId: 'alice', role: 'user' }))
      await expect
        .poll(async () => {
          const events = await readSessionEvents(server.url, sessionId, { token: bot })
          return events.some(
            ({ event }) =>
              event.type === 'presence' &&
              event.members.some((member) => member.principalId === 'bot') &&
              event.members.some((member) => member.principalId === 'alice'),
          )
        })
        .toBe(true)
      // Not renewed: the lease runs out and the device leaves, as a silent Yjs device does.
      await expect
        .poll(
          async () => {
            const response = await fetch(`${server.url}${sessionPresencePath(sessionId)}`, {
              headers: { authorization: `Bearer ${bot}` },
            })
            return ((await response.json()) as { members: Array<{ principalId: string }> }).members.map(
              (member) => member.principalId,
            )
          },
          { timeout: 10_000 },
        )
        .toEqual(['alice'])
      expect((await announce(server.url, sessionId, bot, { device: 'worker' })).status).toBe(200)
      const gone = await announce(server.url, sessionId, bot, { device: 'worker', present: false })
      expect(((await gone.json()) as { members: Array<{ principalId: string }> }).members).not.toContainEqual(
        expect.objectContaining({ principalId: 'bot' }),
      )
      const observer = tokenFor('eve', 'observer', sessionId)
      expect(await errorOf(await announce(server.url, sessionId, observer, {}))).toEqual([403, 'FORBIDDEN'])
      expect(await errorOf(await announce(server.url, sessionId, bot, { device: 7 }))).toEqual([400, 'BAD_REQUEST'])
      expect(await errorOf(await announce(server.url, 'missing-session', tokenFor('x', 'agent', '*'), {}))).toEqual([
        404,
        'SESSION_NOT_FOUND',
      ])
      let limited: [number, string] | undefined
      for (let attempt = 0; attempt < 20 && limited === undefined; attempt++) {
        const response = await announce(server.url, sessionId, bot, { device: 'worker' })
        if (response.status !== 200) limited = await errorOf(response)
      }
      expect(limited).toEqual([429, 'RATE_LIMITED'])
    },
    30_000, // waits a lease out, on a machine that may be loaded
  )
})
