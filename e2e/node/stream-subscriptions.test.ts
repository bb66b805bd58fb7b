/**
 * Durable Streams subscriptions (PROTOCOL.md §9.10, §9.11) beyond the conformance suite, on SQLite and PostgreSQL: a
 * webhook that fails, hangs past the delivery timeout and answers slowly is retried with backoff until every append
 * is acked, each delivery signed with the key the JWK Set publishes; the subscription, its cursors and the signing
 * key survive a restart; existing streams are linked at their end; a pull-wake lease that runs out lets another worker claim the next generation.
 */
import { createPublicKey, verify } from 'node:crypto'
import { describe, expect, onTestFinished } from 'vitest'
import {
  DS_WEBHOOK_REPLAY_WINDOW_SECONDS,
  DS_WEBHOOK_SIGNATURE_HEADER,
  STREAM_HEADERS,
} from '../../shared/protocol/durable-streams.ts'
import { createSeededRandom, testSeed } from '../../shared/testing/seeded-random.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { testWithStore, type ServerFactory } from '../testing/fixtures.ts'
import { openTestStreamStore } from '../testing/test-stream-store.ts'
import { STORE_KINDS, type TestStore } from '../testing/test-store.ts'
import { startWebhookReceiver, type ReceivedWebhook } from '../testing/webhook-receiver.ts'

const seed = testSeed(19)

async function startServer(startServer: ServerFactory, store: TestStore): Promise<SessionServer> {
  const random = createSeededRandom(seed)
  return await startServer({
    streams: {
      store: await openTestStreamStore(store),
      subscriptions: {
        webhookTimeoutMs: 300,
        retry: { firstDelayMs: 20, maxDelayMs: 80, jitter: 0.2 },
        random: () => random.next(),
      },
    },
  })
}

const streamUrl = (server: SessionServer, path: string): string => `${server.url}/v1/stream/${path}`

async function call(url: string, method: string, body?: unknown): Promise<Response> {
  return await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

async function tailOf(server: SessionServer, path: string): Promise<string | null> {
  return (await fetch(streamUrl(server, path), { method: 'HEAD' })).headers.get(STREAM_HEADERS.NEXT_OFFSET)
}

async function ackedOffset(server: SessionServer, id: string, path: string): Promise<string | undefined> {
  const body = (await (await fetch(streamUrl(server, `__ds/subscriptions/${id}`))).json()) as {
    streams: { path: string; acked_offset: string }[]
  }
  return body.streams.find((stream) => stream.path === path)?.acked_offset
}

function verifies(webhook: ReceivedWebhook, jwks: { keys: { kid: string }[] }, nowSeconds: number): boolean {
  const header = String(webhook.headers[DS_WEBHOOK_SIGNATURE_HEADER])
  const match = /^t=(\d+),kid=([^,]+),ed25519=([A-Za-z0-9_-]+)$/.exec(header)
  if (match === null) return false
  const [, t = '', kid, signature = ''] = match
  const key = jwks.keys.find((candidate) => candidate.kid === kid)
  if (key === undefined || Math.abs(nowSeconds - Number(t)) > DS_WEBHOOK_REPLAY_WINDOW_SECONDS) return false
  const publicKey = createPublicKey({ key, format: 'jwk' })
  return verify(null, Buffer.from(`${t}.${webhook.rawBody}`), publicKey, Buffer.from(signature, 'base64url'))
}

describe.each(STORE_KINDS)('stream subscriptions on %s', (kind) => {
  const test = testWithStore(kind)

  test('a failing, hanging and slow webhook is retried until every append is acked, every delivery signed', async ({
    startServer: start,
    store,
  }) => {
    const receiver = await startWebhookReceiver((_request, index) => {
      if (index === 0) return { status: 500 }
      if (index === 1) return { hang: true }
      if (index === 2) return { status: 503, delayMs: 50 }
      return { body: { done: true }, delayMs: 100 }
    })
    onTestFinished(() => receiver.close())
    const server = await startServer(start, store)
    const created = await call(streamUrl(server, '__ds/subscriptions/jobs'), 'PUT', {
      type: 'webhook',
      pattern: 'jobs/*',
      webhook: { url: receiver.url },
      lease_ttl_ms: 5_000,
    })
    expect(created.status).toBe(201)
    await call(streamUrl(server, 'jobs/a'), 'PUT', [{ n: 1 }])
    await call(streamUrl(server, 'jobs/a'), 'POST', [{ n: 2 }, { n: 3 }])
    const tail = await tailOf(server, 'jobs/a')
    await expect.poll(() => ackedOffset(server, 'jobs', 'jobs/a'), { timeout: 8_000 }).toBe(tail)

    expect(receiver.received.length).toBeGreaterThanOrEqual(4)
    const jwks = (await (await fetch(streamUrl(server, '__ds/jwks.json'))).json()) as { keys: { kid: string }[] }
    const nowSeconds = Math.floor(Date.now() / 1000)
    for (const webhook of receiver.received) expect(verifies(webhook, jwks, nowSeconds)).toBe(true)
    const generations = receiver.received.map((webhook) => (webhook.body as { generation: number }).generation)
    expect([...generations].sort((a, b) => a - b)).toEqual(generations)
    expect(new Set(generations).size).toBe(generations.length)
    const tampered = { ...receiver.received[0] } as ReceivedWebhook
    expect(verifies({ ...tampered, rawBody: `${tampered.rawBody} ` }, jwks, nowSeconds)).toBe(false)
    const after = (await (await fetch(streamUrl(server, '__ds/subscriptions/jobs'))).json()) as { status: string }
    expect(after.status).toBe('active')
  })

  test('a subscription, its cursors and the signing key survive a restart', async ({ startServer: start, store }) => {
    const receiver = await startWebhookReceiver(() => ({ body: { done: true } }))
    onTestFinished(() => receiver.close())
    let server = await startServer(start, store)
    await call(streamUrl(server, 'logs/x'), 'PUT', [{ n: 1 }])
    const put = { type: 'webhook', streams: ['logs/x'], webhook: { url: receiver.url }, lease_ttl_ms: 5_000 }
    expect((await call(streamUrl(server, '__ds/subscriptions/logs'), 'PUT', put)).status).toBe(201)
    await call(streamUrl(server, 'logs/x'), 'POST', [{ n: 2 }])
    const firstTail = await tailOf(server, 'logs/x')
    await expect.poll(() => ackedOffset(server, 'logs', 'logs/x')).toBe(firstTail)
    const kid = ((await (await fetch(streamUrl(server, '__ds/jwks.json'))).json()) as { keys: { kid: string }[] })
      .keys[0]?.kid
    await server.close()

    server = await startServer(start, store)
    expect((await call(streamUrl(server, '__ds/subscriptions/logs'), 'PUT', put)).status).toBe(200)
    expect(await ackedOffset(server, 'logs', 'logs/x')).toBe(firstTail)
    const jwks = (await (await fetch(streamUrl(server, '__ds/jwks.json'))).json()) as { keys: { kid: string }[] }
    expect(jwks.keys.map((key) => key.kid)).toEqual([kid])
    await call(streamUrl(server, 'logs/x'), 'POST', [{ n: 3 }])
    const secondTail = await tailOf(server, 'logs/x')
    await expect.poll(() => ackedOffset(server, 'logs', 'logs/x')).toBe(secondTail)
    expect(receiver.received).toHaveLength(2)
    expect(verifies(receiver.received[1] as ReceivedWebhook, jwks, Math.floor(Date.now() / 1000))).toBe(true)
  })

  test('streams that exist when a pattern subscribes are followed from their end, not replayed', async ({
    startServer: start,
    store,
  }) => {
    const receiver = await startWebhookReceiver(() => ({ body: { done: true } }))
    onTestFinished(() => receiver.close())
    const server = await startServer(start, store)
    await call(streamUrl(server, 'old/a'), 'PUT', [{ n: 1 }, { n: 2 }])
    const oldTail = await tailOf(server, 'old/a')
    const put = { type: 'webhook', pattern: 'old/*', webhook: { url: receiver.url }, lease_ttl_ms: 5_000 }
    expect((await call(streamUrl(server, '__ds/subscriptions/old'), 'PUT', put)).status).toBe(201)
    expect(await ackedOffset(server, 'old', 'old/a')).toBe(oldTail)
    await call(streamUrl(server, 'old/a'), 'POST', [{ n: 3 }])
    const newTail = await tailOf(server, 'old/a')
    await expect.poll(() => ackedOffset(server, 'old', 'old/a')).toBe(newTail)
    expect(receiver.received).toHaveLength(1)
    const body = receiver.received[0]?.body as { streams: { acked_offset: string; tail_offset: string }[] } | undefined
    const [stream] = body?.streams ?? []
    expect(stream).toMatchObject({ acked_offset: oldTail, tail_offset: newTail })
  })

  test('a pull-wake lease that runs out lets another worker claim the next generation', async ({
    startServer: start,
    store,
  }) => {
    const server = await startServer(start, store)
    await call(streamUrl(server, 'wake/pool'), 'PUT', [])
    const put = { type: 'pull-wake', pattern: 'tasks/**', wake_stream: 'wake/pool', lease_ttl_ms: 1_000 }
    expect((await call(streamUrl(server, '__ds/subscriptions/tasks'), 'PUT', put)).status).toBe(201)
    await call(streamUrl(server, 'tasks/deep/one'), 'PUT', [{ n: 1 }])
    // A worker claims once the wake stream tells it there is work: the new stream is linked after the PUT answers.
    const wakesFor = async (): Promise<number> =>
      ((await (await fetch(streamUrl(server, 'wake/pool'))).json()) as { subscription_id: string }[]).filter(
        (wake) => wake.subscription_id === 'tasks',
      ).length
    await expect.poll(wakesFor, { timeout: 5_000, interval: 50 }).toBeGreaterThan(0)
    const claimUrl = streamUrl(server, '__ds/subscriptions/tasks/claim')
    const first = (await (await call(claimUrl, 'POST', { worker: 'w1' })).json()) as {
      generation: number
      wake_id: string
      token: string
    }
    expect((await call(claimUrl, 'POST', { worker: 'w2' })).status).toBe(409)
    // w1 never acks: once its lease ends, w2's claim gets a new generation and w1's late ack is fenced.
    await expect
      .poll(async () => (await call(claimUrl, 'POST', { worker: 'w2' })).status, { timeout: 5_000, interval: 100 })
      .toBe(200)
    const state = (await (await fetch(streamUrl(server, '__ds/subscriptions/tasks'))).json()) as { generation: number }
    expect(state.generation).toBe(first.generation + 1)
    const late = await fetch(streamUrl(server, '__ds/subscriptions/tasks/ack'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${first.token}` },
      body: JSON.stringify({ wake_id: first.wake_id, generation: first.generation, done: true }),
    })
    expect(late.status).toBe(409)
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('FENCED')
  })
})
