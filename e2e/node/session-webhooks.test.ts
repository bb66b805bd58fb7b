/**
 * Session webhooks (PROTOCOL.md §9.12, §9.13) on SQLite and PostgreSQL, against a real server and a real local
 * receiver: every delivery is signed and verifies within the replay window; a receiver that fails, times out, answers
 * slowly and then recovers gets every event, once per idempotency key, in stream order; events that fail
 * `maxAttempts` times are dead-lettered, counted, listed and replayed; cursors survive a restart; two nodes sharing a
 * PostgreSQL store deliver each event once, none to an endpoint the other deleted, and show the same dead-letter
 * count; the admin API needs an admin token.
 */
import { createHmac } from 'node:crypto'
import { describe, expect, onTestFinished } from 'vitest'
import { sessionStreamPath } from '../../shared/protocol/session-stream-path.ts'
import {
  SESSION_WEBHOOK_HEADERS,
  SESSION_WEBHOOK_REPLAY_WINDOW_SECONDS,
  WEBHOOKS_ROUTE,
  webhookDeadLettersPath,
  webhookPath,
  webhookReplayPath,
} from '../../shared/protocol/session-webhooks.ts'
import { createSeededRandom, testSeed } from '../../shared/testing/seeded-random.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import { signToken } from '../../server/auth/sign-token.ts'
import type { StreamStore } from '../../server/durable-streams/stream-store.ts'
import type { SessionServer, SessionServerOptions } from '../../server/session-server.ts'
import { CURSOR_RECORD_PREFIX } from '../../server/session-webhooks/webhook-records.ts'
import { testWithStore, type ServerFactory } from '../testing/fixtures.ts'
import { createOneTimeHold } from '../testing/one-time-hold.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { metricValue } from '../testing/scrape-metrics.ts'
import { openTestStreamStore } from '../testing/test-stream-store.ts'
import { STORE_KINDS, type TestStore } from '../testing/test-store.ts'
import { AUTH_ON, TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'
import { sessionEventKeys } from '../testing/session-event-keys.ts'
import { startWebhookReceiver, type ReceivedWebhook, type WebhookAnswer } from '../testing/webhook-receiver.ts'

const SECRET = 'whsec-test-0123456789abcdef'
const seed = testSeed(23)
/** How long a test waits for deliveries: generous, as the machine may be loaded; a condition, not a measure. */
const WAIT = { timeout: 5_000 }

interface DeliveryBody {
  readonly id: string
  readonly sessionId: string
  readonly offset: string
  readonly kind: string
  readonly event: { readonly type: string }
}

async function startNode(
  start: ServerFactory,
  store: TestStore,
  url: string,
  overrides: Partial<SessionServerOptions['webhooks']> = {},
  extra: Partial<SessionServerOptions> = {},
): Promise<SessionServer> {
  const random = createSeededRandom(seed)
  return await start({
    ...extra,
    streams: extra.streams ?? { store: await openTestStreamStore(store) },
    webhooks: {
      endpoints: [{ id: 'pipe', url, secret: SECRET }],
      // Far above a local answer even on a loaded machine, so that only the scripted hangs time out.
      timeoutMs: 1_000,
      leaseMs: 5_000,
      retry: { firstDelayMs: 20, maxDelayMs: 80, jitter: 0.2 },
      random: () => random.next(),
      ...overrides,
    },
  })
}

/** A user message then an agent reply: message.created ×2, message.delta, message.done ×2 (the user's and the reply's). */
async function converse(server: SessionServer, sessionId: string, producer: string, n: number): Promise<void> {
  const batches = [
    [{ type: 'message', messageId: `q${n}`, text: `question ${n}` }],
    [
      { type: 'start', messageId: `r${n}`, replyTo: `q${n}` },
      { type: 'text', messageId: `r${n}`, text: `answer ${n}` },
      { type: 'end', messageId: `r${n}`, status: 'done' },
    ],
  ]
  for (const [index, commands] of batches.entries()) {
    const seq = n * batches.length + index
    const response = await postSessionCommands(server.url, sessionId, { producerId: producer, epoch: 0, seq, commands })
    expect(response.status).toBe(200)
  }
}

async function createSession(server: SessionServer, sessionId: string, token?: string): Promise<void> {
  const response = await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ id: sessionId }),
  })
  expect(response.status).toBe(201)
}

function verifies(webhook: ReceivedWebhook, secret: string, nowSeconds: number): boolean {
  const timestamp = Number(webhook.headers[SESSION_WEBHOOK_HEADERS.TIMESTAMP])
  const signature = String(webhook.headers[SESSION_WEBHOOK_HEADERS.SIGNATURE])
  if (Math.abs(nowSeconds - timestamp) > SESSION_WEBHOOK_REPLAY_WINDOW_SECONDS) return false
  const expected = createHmac('sha256', secret).update(`${timestamp}.${webhook.rawBody}`).digest('hex')
  return signature === `v1=${expected}`
}

/** A receiver answering `script(index)` and recording which keys it took (answered 2xx), in order. */
async function scriptedReceiver(script: (index: number) => WebhookAnswer) {
  const taken: string[] = []
  const receiver = await startWebhookReceiver((request, index) => {
    const answer = script(index)
    if (!('hang' in answer) && (answer.status ?? 200) < 300) taken.push((request.body as DeliveryBody).id)
    return answer
  })
  onTestFinished(() => receiver.close())
  return { receiver, taken }
}

/** `lifeline_webhook_deliveries_total` of `outcome` on `server` (0 before the first). */
async function deliveries(server: SessionServer, outcome: string, token?: string): Promise<number> {
  return (await metricValue(server.url, token, 'lifeline_webhook_deliveries_total', { outcome })) ?? 0
}

/** The node's `lifeline_webhook_dead_letters` gauge, as a scrape reads it. */
async function deadLetterGauge(node: SessionServer): Promise<number | undefined> {
  return await metricValue(node.url, undefined, 'lifeline_webhook_dead_letters')
}

async function adminCall(server: SessionServer, path: string, method: string, token?: string, body?: unknown) {
  return await fetch(`${server.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

describe.each(STORE_KINDS)('session webhooks on %s', (kind) => {
  const test = testWithStore(kind)

  test('deliveries are signed, keyed by session and offset, and carry the stream event', async ({
    startServer,
    store,
    sessionId,
  }) => {
    const { receiver, taken } = await scriptedReceiver(() => ({}))
    const clockMs = 1_700_000_000_000
    const server = await startNode(startServer, store, receiver.url, { now: () => clockMs })
    await createSession(server, sessionId)
    await converse(server, sessionId, 'p', 0)
    const keys = await sessionEventKeys(server.url, sessionId, ['message.created', 'message.done'])
    expect(keys).toHaveLength(4)
    await expect.poll(() => taken.length, WAIT).toBe(4)
    expect(taken).toEqual(keys)
    for (const webhook of receiver.received) {
      expect(verifies(webhook, SECRET, clockMs / 1000)).toBe(true)
      expect(verifies(webhook, SECRET, clockMs / 1000 + SESSION_WEBHOOK_REPLAY_WINDOW_SECONDS + 1)).toBe(false)
      expect(verifies({ ...webhook, rawBody: `${webhook.rawBody} ` }, SECRET, clockMs / 1000)).toBe(false)
      expect(verifies(webhook, 'another-secret-0123456789', clockMs / 1000)).toBe(false)
      const body = webhook.body as DeliveryBody
      expect(webhook.headers[SESSION_WEBHOOK_HEADERS.ID]).toBe(body.id)
      expect(body.id).toBe(`${sessionId}:${body.offset}`)
      const [event] = (await (
        await fetch(`${server.url}${sessionStreamPath(sessionId)}?offset=${body.offset}`)
      ).json()) as unknown[]
      expect(body.event).toEqual(event)
      expect(body.kind).toBe(body.event.type)
    }
  })

  test('a receiver that fails, times out and answers slowly gets every event once per key, in order', async ({
    startServer,
    store,
    sessionId,
  }) => {
    const { receiver, taken } = await scriptedReceiver((index) => {
      if (index % 7 === 0) return { status: 500 }
      if (index % 7 === 2) return { hang: true }
      if (index % 7 === 4) return { status: 503, delayMs: 50 }
      return { delayMs: index % 2 === 0 ? 120 : 0 }
    })
    const server = await startNode(startServer, store, receiver.url)
    await createSession(server, sessionId)
    for (let n = 0; n < 3; n++) await converse(server, sessionId, 'p', n)
    const keys = await sessionEventKeys(server.url, sessionId, [
      'message.created',
      'message.done',
      'message.stopped',
      'message.failed',
      'steer',
      'presence',
    ])
    expect(keys).toHaveLength(12)
    // 12 events, about one attempt in three failing (some after the 1 s timeout) with retries of 20–80 ms.
    await expect.poll(() => taken.length, { timeout: 12_000 }).toBe(keys.length)
    expect(taken).toEqual(keys)
    const failures = receiver.received.length - taken.length
    expect(failures).toBeGreaterThan(0)
    // The receiver records a key when it decides to answer: the server counts it once the answer arrived.
    await expect.poll(() => deliveries(server, 'delivered'), WAIT).toBe(keys.length)
    expect(await deliveries(server, 'failed')).toBe(failures)
  }, 20_000) // up to 4 timeouts of 1 s and 12 deliveries, on a loaded 2-core machine

  test('events failing maxAttempts times are dead-lettered, listed, counted and replayed', async ({
    startServer,
    store,
    sessionId,
  }) => {
    let up = false
    const { receiver, taken } = await scriptedReceiver(() => (up ? {} : { status: 500 }))
    const server = await startNode(startServer, store, receiver.url, { maxAttempts: 2 }, {})
    await createSession(server, sessionId)
    await converse(server, sessionId, 'p', 0)
    const keys = await sessionEventKeys(server.url, sessionId, ['message.created', 'message.done'])
    const deadLetters = async () =>
      (
        (await (await adminCall(server, webhookDeadLettersPath('pipe'), 'GET')).json()) as {
          deadLetters: { id: string; attempts: number; kind: string; lastError: string }[]
        }
      ).deadLetters
    await expect.poll(async () => (await deadLetters()).map((letter) => letter.id), WAIT).toEqual(keys)
    expect(receiver.received).toHaveLength(keys.length * 2)
    expect((await deadLetters()).every((letter) => letter.attempts === 2 && letter.lastError === 'status 500')).toBe(
      true,
    )
    expect(await deadLetterGauge(server)).toBe(keys.length)
    expect(await deliveries(server, 'dead_lettered')).toBe(keys.length)

    up = true
    const first = keys[0] as string
    const one = await adminCall(server, webhookReplayPath('pipe'), 'POST', undefined, { ids: [first] })
    expect(await one.json()).toEqual({ replayed: 1 })
    await expect.poll(() => taken, WAIT).toEqual([first])
    const all = await adminCall(server, webhookReplayPath('pipe'), 'POST')
    expect(await all.json()).toEqual({ replayed: keys.length - 1 })
    await expect.poll(() => [...taken].sort(), WAIT).toEqual([...keys].sort())
    expect(await deadLetters()).toEqual([])
    expect(await deadLetterGauge(server)).toBe(0)
  })

  test('deleting a session deletes its dead letters', async ({ startServer, store, sessionId }) => {
    const { receiver } = await scriptedReceiver(() => ({ status: 500 }))
    const server = await startNode(startServer, store, receiver.url, { maxAttempts: 1 })
    await createSession(server, sessionId)
    await converse(server, sessionId, 'p', 0)
    const listed = async () =>
      (
        (await (await adminCall(server, webhookDeadLettersPath('pipe'), 'GET')).json()) as {
          deadLetters: { sessionId: string }[]
        }
      ).deadLetters.length
    await expect.poll(listed, WAIT).toBe(4)
    expect((await fetch(`${server.url}/v1/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204)
    expect(await listed()).toBe(0)
    expect(await deadLetterGauge(server)).toBe(0)
  })

  test('the dead-letter gauge is kept as letters come and go: a scrape reads no cursor, a start counts them again', async ({
    startServer,
    store,
    sessionId,
  }) => {
    let up = false
    const { receiver } = await scriptedReceiver(() => (up ? {} : { status: 500 }))
    // Listings of every cursor: a count read from the store needs one (other reads follow other nodes' changes).
    let cursorListings = 0
    const counting = async (): Promise<StreamStore> => {
      const streams = await openTestStreamStore(store)
      return {
        ...streams,
        list: (prefix) => {
          if (prefix === CURSOR_RECORD_PREFIX) cursorListings++
          return streams.list(prefix)
        },
      }
    }
    let server = await startNode(
      startServer,
      store,
      receiver.url,
      { maxAttempts: 1 },
      { streams: { store: await counting() } },
    )
    await createSession(server, sessionId)
    await converse(server, sessionId, 'p', 0)
    await expect.poll(() => deadLetterGauge(server), WAIT).toBe(4)
    expect(cursorListings).toBe(1) // at start
    for (let scrape = 0; scrape < 3; scrape++) expect(await deadLetterGauge(server)).toBe(4)
    expect(cursorListings).toBe(1)
    await server.close()

    server = await startNode(
      startServer,
      store,
      receiver.url,
      { maxAttempts: 1 },
      { streams: { store: await counting() } },
    )
    expect(await deadLetterGauge(server)).toBe(4)
    expect(cursorListings).toBe(2) // this start's
    up = true
    const [first] = await sessionEventKeys(server.url, sessionId, ['message.created'])
    expect(
      await (await adminCall(server, webhookReplayPath('pipe'), 'POST', undefined, { ids: [first] })).json(),
    ).toEqual({
      replayed: 1,
    })
    await expect.poll(() => deadLetterGauge(server), WAIT).toBe(3)
    expect((await adminCall(server, webhookPath('pipe'), 'DELETE')).status).toBe(204)
    expect(await deadLetterGauge(server)).toBe(0)
  })

  test('a cursor change stored before its endpoint is deleted and finished after it counts no dead letters', async ({
    startServer,
    store,
    sessionId,
  }) => {
    const { receiver } = await scriptedReceiver(() => ({ status: 500 }))
    // Holds a cursor change after it is stored, before the server hears it was: the deletion runs meanwhile.
    const hold = createOneTimeHold()
    const streams = await openTestStreamStore(store)
    const holding: StreamStore = {
      ...streams,
      change: async (path, decide) => {
        const changed = await streams.change(path, decide)
        if (path.startsWith(CURSOR_RECORD_PREFIX)) await hold.wait()
        return changed
      },
    }
    const server = await startNode(
      startServer,
      store,
      receiver.url,
      { maxAttempts: 1 },
      { streams: { store: holding } },
    )
    await createSession(server, sessionId)
    await converse(server, sessionId, 'p', 0)
    await expect.poll(() => deadLetterGauge(server), WAIT).toBe(4)
    const [first] = await sessionEventKeys(server.url, sessionId, ['message.created'])
    hold.arm()
    const replay = adminCall(server, webhookReplayPath('pipe'), 'POST', undefined, { ids: [first] })
    await hold.reached
    expect((await adminCall(server, webhookPath('pipe'), 'DELETE')).status).toBe(204)
    expect(await deadLetterGauge(server)).toBe(0)
    hold.release()
    expect((await replay).status).toBe(200)
    expect(await deadLetterGauge(server)).toBe(0)
  })

  test('cursors survive a restart: nothing is delivered twice and nothing is lost', async ({
    startServer,
    store,
    sessionId,
  }) => {
    const { receiver, taken } = await scriptedReceiver(() => ({}))
    let server = await startNode(startServer, store, receiver.url)
    await createSession(server, sessionId)
    await converse(server, sessionId, 'p', 0)
    const before = await sessionEventKeys(server.url, sessionId, ['message.created', 'message.done'])
    await expect.poll(() => taken.length, WAIT).toBe(before.length)
    await server.close()

    server = await startNode(startServer, store, receiver.url)
    await converse(server, sessionId, 'p', 1)
    const all = await sessionEventKeys(server.url, sessionId, ['message.created', 'message.done'])
    expect(all.length).toBe(before.length * 2)
    await expect.poll(() => taken.length, WAIT).toBe(all.length)
    expect(taken).toEqual(all)
  })

  test('closing waits for the delivery in flight and records it', async ({ startServer, store, sessionId }) => {
    let firstArrived = (): void => {}
    const arrived = new Promise<void>((resolve) => {
      firstArrived = resolve
    })
    const { receiver, taken } = await scriptedReceiver((index) => {
      if (index > 0) return {}
      firstArrived()
      return { delayMs: 500 }
    })
    // A lease far longer than the wait: the next node delivers in time only if closing handed the lease back.
    const slow = { timeoutMs: 2_000, leaseMs: 60_000 }
    let server = await startNode(startServer, store, receiver.url, slow)
    await createSession(server, sessionId)
    await converse(server, sessionId, 'p', 0)
    await arrived
    await server.close() // while the receiver holds its first answer back
    expect(taken).toHaveLength(1)
    expect(receiver.received).toHaveLength(1)
    server = await startNode(startServer, store, receiver.url, slow)
    const keys = await sessionEventKeys(server.url, sessionId, ['message.created', 'message.done'])
    await expect.poll(() => taken, WAIT).toEqual(keys)
    expect(receiver.received).toHaveLength(keys.length)
  })

  test('a retry scheduled before a restart is attempted after it', async ({ startServer, store, sessionId }) => {
    let up = false
    const { receiver, taken } = await scriptedReceiver(() => (up ? {} : { status: 500 }))
    let server = await startNode(startServer, store, receiver.url, {
      retry: { firstDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 },
    })
    await createSession(server, sessionId)
    await converse(server, sessionId, 'p', 0)
    await expect.poll(() => receiver.received.length, WAIT).toBe(1)
    await server.close()
    up = true
    const clockMs = Date.now() + 61_000 // the restarted node's clock is past the stored retry time
    server = await startNode(startServer, store, receiver.url, { now: () => clockMs })
    const keys = await sessionEventKeys(server.url, sessionId, ['message.created', 'message.done'])
    await expect.poll(() => taken, WAIT).toEqual(keys)
  })

  test('the admin API adds, lists, reads and deletes endpoints, for admin tokens only', async ({
    startServer,
    store,
    sessionId,
  }) => {
    const { receiver, taken } = await scriptedReceiver(() => ({}))
    const server = await startNode(startServer, store, receiver.url, { endpoints: [] }, AUTH_ON)
    const admin = tokenFor('ops', 'user', '*', { admin: true })
    const user = tokenFor('alice', 'user', '*')
    expect((await adminCall(server, WEBHOOKS_ROUTE, 'GET')).status).toBe(401)
    const refused = await adminCall(server, WEBHOOKS_ROUTE, 'POST', user, { url: receiver.url })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN')
    expect((await adminCall(server, webhookDeadLettersPath('x'), 'GET', user)).status).toBe(403)

    const badUrl = await adminCall(server, WEBHOOKS_ROUTE, 'POST', admin, { url: 'http://10.0.0.1/hook' })
    expect(((await badUrl.json()) as { error: { code: string } }).error.code).toBe('WEBHOOK_URL_REJECTED')
    const badKinds = await adminCall(server, WEBHOOKS_ROUTE, 'POST', admin, { url: receiver.url, kinds: ['nope'] })
    expect(badKinds.status).toBe(400)

    const created = await adminCall(server, WEBHOOKS_ROUTE, 'POST', admin, {
      url: receiver.url,
      kinds: ['message.created'],
    })
    expect(created.status).toBe(201)
    const endpoint = (await created.json()) as { id: string; secret: string; kinds: string[] }
    expect(endpoint.secret.length).toBeGreaterThanOrEqual(16)
    const listed = (await (await adminCall(server, WEBHOOKS_ROUTE, 'GET', admin)).json()) as {
      webhooks: Record<string, unknown>[]
    }
    expect(listed.webhooks).toEqual([expect.objectContaining({ id: endpoint.id, kinds: ['message.created'] })])
    expect(JSON.stringify(listed)).not.toContain(endpoint.secret)

    await createSession(server, sessionId, tokenFor('alice', 'user', '*'))
    const agent = tokenFor('bot', 'agent', sessionId)
    const userToken = tokenFor('alice', 'user', sessionId)
    const post = async (seq: number, token: string, commands: unknown[]) =>
      expect(
        (await postSessionCommands(server.url, sessionId, { producerId: 'p', epoch: 0, seq, commands, token })).status,
      ).toBe(200)
    await post(0, userToken, [{ type: 'message', messageId: 'q0', text: 'hello' }])
    await post(0, agent, [
      { type: 'start', messageId: 'r0', replyTo: 'q0' },
      { type: 'end', messageId: 'r0', status: 'done' },
    ])
    const keys = await sessionEventKeys(server.url, sessionId, ['message.created'], userToken)
    expect(keys).toHaveLength(2)
    await expect.poll(() => taken, WAIT).toEqual(keys)
    expect(verifies(receiver.received[0] as ReceivedWebhook, endpoint.secret, Date.now() / 1000)).toBe(true)

    expect((await adminCall(server, webhookPath(endpoint.id), 'GET', admin)).status).toBe(200)
    expect((await adminCall(server, webhookPath(endpoint.id), 'DELETE', user)).status).toBe(403)
    expect((await adminCall(server, webhookPath(endpoint.id), 'DELETE', admin)).status).toBe(204)
    const gone = await adminCall(server, webhookPath(endpoint.id), 'GET', admin)
    expect(gone.status).toBe(404)
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('WEBHOOK_NOT_FOUND')
  })
})

describe('the session webhooks admin API', () => {
  const test = testWithStore('sqlite')

  test('reports its refusals as security events, counted like the rest', async ({ startServer, store }) => {
    const { receiver } = await scriptedReceiver(() => ({}))
    const events: SecurityEvent[] = []
    const server = await startNode(
      startServer,
      store,
      receiver.url,
      { endpoints: [] },
      { auth: { secret: TEST_AUTH_SECRET, onSecurityEvent: (event) => events.push(event) } },
    )
    const admin = tokenFor('ops', 'user', '*', { admin: true })
    const user = tokenFor('alice', 'agent', '*')
    const expired = signToken(
      { sub: 'ops', role: 'user', session: '*', admin: true, exp: Math.floor(Date.now() / 1000) - 60 },
      TEST_AUTH_SECRET,
    )
    expect((await adminCall(server, WEBHOOKS_ROUTE, 'GET')).status).toBe(401)
    expect((await adminCall(server, WEBHOOKS_ROUTE, 'GET', expired)).status).toBe(401)
    expect((await adminCall(server, WEBHOOKS_ROUTE, 'POST', user, { url: receiver.url })).status).toBe(403)
    expect((await adminCall(server, webhookReplayPath('pipe'), 'POST', user)).status).toBe(403)
    const badUrl = await adminCall(server, WEBHOOKS_ROUTE, 'POST', admin, { url: 'http://10.0.0.1/hook' })
    expect(badUrl.status).toBe(400)
    // Malformed input is answered, not reported.
    expect((await adminCall(server, WEBHOOKS_ROUTE, 'POST', admin, { url: receiver.url, kinds: [] })).status).toBe(400)

    const refused = (action: string, code: string) => ({
      kind: 'destructive-action-refused',
      sessionId: '*',
      action,
      outcome: 'refused',
      code,
    })
    expect(
      events.map(({ kind, sessionId, action, outcome, principalId, role, admin, error }) => ({
        kind,
        sessionId,
        action,
        outcome,
        principalId,
        role,
        admin,
        code: error.code,
      })),
    ).toEqual([
      { kind: 'authentication-failed', sessionId: '*', code: 'UNAUTHORIZED' },
      { kind: 'token-expired', sessionId: '*', code: 'TOKEN_EXPIRED' },
      { ...refused('webhook-add', 'FORBIDDEN'), principalId: 'alice', role: 'agent' },
      { ...refused('dead-letters-replay', 'FORBIDDEN'), principalId: 'alice', role: 'agent' },
      { ...refused('webhook-add', 'WEBHOOK_URL_REJECTED'), principalId: 'ops', role: 'user', admin: true },
    ])
    const observer = tokenFor('ops', 'observer', '*')
    const metric = (name: string, labels: Record<string, string>) => metricValue(server.url, observer, name, labels)
    expect(await metric('lifeline_auth_failures_total', { code: 'UNAUTHORIZED' })).toBe(1)
    expect(await metric('lifeline_auth_failures_total', { code: 'TOKEN_EXPIRED' })).toBe(1)
    expect(await metric('lifeline_destructive_actions_total', { action: 'webhook-add', outcome: 'refused' })).toBe(2)
    expect(
      await metric('lifeline_destructive_actions_total', { action: 'dead-letters-replay', outcome: 'refused' }),
    ).toBe(1)
  })
})

describe('session webhooks with two nodes', () => {
  const test = testWithStore('postgres')

  test('the dead-letter gauge of each node follows the letters the other makes and replays', async ({
    startServer,
    store,
  }) => {
    let up = false
    const { receiver, taken } = await scriptedReceiver(() => (up ? {} : { status: 500 }))
    const a = await startNode(startServer, store, receiver.url, { maxAttempts: 1 })
    const b = await startNode(startServer, store, receiver.url, { maxAttempts: 1 })
    await createSession(a, 'gauge-two-nodes')
    await converse(a, 'gauge-two-nodes', 'p', 0)
    await expect.poll(() => deadLetterGauge(a), WAIT).toBe(4)
    await expect.poll(() => deadLetterGauge(b), WAIT).toBe(4)
    up = true
    expect(await (await adminCall(b, webhookReplayPath('pipe'), 'POST')).json()).toEqual({ replayed: 4 })
    await expect.poll(() => taken.length, WAIT).toBe(4)
    await expect.poll(() => deadLetterGauge(a), WAIT).toBe(0)
    expect(await deadLetterGauge(b)).toBe(0)
  })

  test("a session deleted on one node takes its dead letters off the other's gauge", async ({ startServer, store }) => {
    const { receiver } = await scriptedReceiver(() => ({ status: 500 }))
    const a = await startNode(startServer, store, receiver.url, { maxAttempts: 1 })
    const b = await startNode(startServer, store, receiver.url, { maxAttempts: 1 })
    await createSession(a, 'gauge-deleted')
    await converse(a, 'gauge-deleted', 'p', 0)
    await expect.poll(() => deadLetterGauge(b), WAIT).toBe(4)
    expect((await fetch(`${a.url}/v1/sessions/gauge-deleted`, { method: 'DELETE' })).status).toBe(204)
    expect(await deadLetterGauge(a)).toBe(0)
    await expect.poll(() => deadLetterGauge(b), WAIT).toBe(0)
  })

  test('an endpoint deleted on one node gets nothing from the other', async ({ startServer, store }) => {
    const pipe = await scriptedReceiver(() => ({}))
    const extra = await scriptedReceiver(() => ({}))
    const a = await startNode(startServer, store, pipe.receiver.url)
    const b = await startNode(startServer, store, pipe.receiver.url)
    const created = await adminCall(a, WEBHOOKS_ROUTE, 'POST', undefined, { url: extra.receiver.url })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    const knownTo = async (node: SessionServer) => (await adminCall(node, webhookPath(id), 'GET')).status
    await expect.poll(() => knownTo(b), WAIT).toBe(200)
    expect((await adminCall(a, webhookPath(id), 'DELETE')).status).toBe(204)
    await createSession(b, 'deleted-elsewhere')
    await converse(b, 'deleted-elsewhere', 'p', 0)
    const keys = await sessionEventKeys(b.url, 'deleted-elsewhere', ['message.created', 'message.done'])
    await expect.poll(() => pipe.taken.length, WAIT).toBe(keys.length)
    expect(extra.taken).toEqual([])
    const streams = await openTestStreamStore(store)
    onTestFinished(() => streams.close())
    expect(await streams.list(`${CURSOR_RECORD_PREFIX}${id}/`)).toEqual([])
  })

  test('two nodes sharing PostgreSQL deliver each event once', async ({ startServer, store }) => {
    const { receiver, taken } = await scriptedReceiver((index) => (index % 5 === 3 ? { status: 500 } : {}))
    const a = await startNode(startServer, store, receiver.url)
    const b = await startNode(startServer, store, receiver.url)
    await createSession(a, 'two-nodes-a')
    await createSession(b, 'two-nodes-b')
    for (let n = 0; n < 3; n++) {
      await converse(a, 'two-nodes-a', 'pa', n)
      await converse(b, 'two-nodes-b', 'pb', n)
    }
    const keys = [
      ...(await sessionEventKeys(a.url, 'two-nodes-a', ['message.created', 'message.done'])),
      ...(await sessionEventKeys(b.url, 'two-nodes-b', ['message.created', 'message.done'])),
    ]
    expect(keys).toHaveLength(24)
    await expect.poll(() => taken.length, { timeout: 10_000 }).toBe(keys.length)
    expect([...taken].sort()).toEqual([...keys].sort())
    const perSession = (id: string) => taken.filter((key) => key.startsWith(`${id}:`))
    expect(perSession('two-nodes-a')).toEqual(keys.slice(0, 12))
    await expect
      .poll(async () => (await deliveries(a, 'delivered')) + (await deliveries(b, 'delivered')))
      .toBe(keys.length)
  })
})
