/**
 * Agents without Yjs append to a session over HTTP (PROTOCOL.md §9.7), and readers follow it live with
 * long-poll and SSE, here through the official `@durable-streams/client`. Producer retries are applied once,
 * gaps and stale epochs are refused with their headers, and only agent tokens for the session may append. Producer
 * sequences are kept per principal and Producer-Id; on an open server the Producer-Id alone is the writer.
 */
import { stream } from '@durable-streams/client'
import { describe, expect } from 'vitest'
import { sessionStreamPath } from '../../shared/protocol/session-stream-path.ts'
import type { SessionEvent } from '../../shared/protocol/session-events.ts'
import { readTranscript } from '../../shared/session/session-doc.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import { test, testWithStore } from '../testing/fixtures.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { readSessionEvents, streamedText } from '../testing/session-stream-reader.ts'
import { AUTH_ON, fetchTranscript, tokenFor } from '../testing/test-tokens.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'

const liveTest = testWithStore('sqlite', { streams: { longPollTimeoutMs: 10_000 } })
const authTest = testWithStore('sqlite', AUTH_ON)

describe('HTTP appends to a session stream', () => {
  test('become an ordinary agent reply that Yjs clients read, applied once per producer seq', async ({
    server,
    store,
    sessionId,
    connectClient,
  }) => {
    const user = connectClient()
    await user.waitForSynced()
    const question = user.sendMessage('hello from yjs')
    await user.waitUntilDurable()
    const producer = { producerId: 'py-agent', epoch: 0 }
    const start = await postSessionCommands(server.url, sessionId, {
      ...producer,
      seq: 0,
      commands: [
        { type: 'start', messageId: 'r1', replyTo: question },
        { type: 'text', messageId: 'r1', text: 'Hel' },
      ],
    })
    expect(start.status).toBe(200)
    expect(start.headers.get(STREAM_HEADERS.PRODUCER_SEQ)).toBe('0')
    expect(start.headers.get(STREAM_HEADERS.NEXT_OFFSET)).toMatch(/^\d{16}_\d{16}$/)
    const retry = await postSessionCommands(server.url, sessionId, {
      ...producer,
      seq: 0,
      commands: [
        { type: 'start', messageId: 'r1', replyTo: question },
        { type: 'text', messageId: 'r1', text: 'Hel' },
      ],
    })
    expect(retry.status).toBe(204)
    expect(
      (
        await postSessionCommands(server.url, sessionId, {
          ...producer,
          seq: 1,
          commands: { type: 'text', messageId: 'r1', text: 'lo' },
        })
      ).status,
    ).toBe(200)

    const gap = await postSessionCommands(server.url, sessionId, {
      ...producer,
      seq: 5,
      commands: { type: 'text', messageId: 'r1', text: 'X' },
    })
    expect(gap.status).toBe(409)
    expect([
      gap.headers.get(STREAM_HEADERS.PRODUCER_EXPECTED_SEQ),
      gap.headers.get(STREAM_HEADERS.PRODUCER_RECEIVED_SEQ),
    ]).toEqual(['2', '5'])
    expect(await gap.json()).toMatchObject({ error: { code: 'PRODUCER_SEQ_GAP' } })

    expect(
      (
        await postSessionCommands(server.url, sessionId, {
          ...producer,
          epoch: 1,
          seq: 0,
          commands: { type: 'end', messageId: 'r1', status: 'done' },
        })
      ).status,
    ).toBe(200)
    // Persisted before the answer: storage holds the whole reply the moment the 200 arrives.
    const log = await store.open()
    const stored = readTranscript(sessionId, applyStoredSession(sessionId, await log.load(sessionId)).doc)
    await log.close()
    expect(stored.messages.find((message) => message.id === 'r1')).toMatchObject({ status: 'done', text: 'Hello' })
    expect(stored.runs).toMatchObject([{ agent: 'py-agent', messageId: 'r1', state: 'done' }])
    const stale = await postSessionCommands(server.url, sessionId, {
      ...producer,
      epoch: 0,
      seq: 2,
      commands: { type: 'text', messageId: 'r1', text: 'zombie' },
    })
    expect(stale.status).toBe(403)
    expect(stale.headers.get(STREAM_HEADERS.PRODUCER_EPOCH)).toBe('1')
    expect(await stale.json()).toMatchObject({ error: { code: 'PRODUCER_FENCED' } })
    const closed = await postSessionCommands(server.url, sessionId, {
      ...producer,
      epoch: 1,
      seq: 1,
      commands: { type: 'text', messageId: 'r1', text: 'late' },
    })
    expect(closed.status).toBe(409)
    expect(await closed.json()).toMatchObject({ error: { code: 'REPLY_CLOSED' } })

    await expect
      .poll(() => user.messages().find((message) => message.id === 'r1'), { timeout: 5_000 })
      .toMatchObject({ role: 'assistant', author: 'py-agent', status: 'done', text: 'Hello', replyTo: question })
    const events = await readSessionEvents(server.url, sessionId)
    expect(streamedText(events, 'r1')).toBe('Hello')
  })

  liveTest(
    'wakes a long-poll reader at the tail and feeds an SSE reader of @durable-streams/client',
    async ({ server, sessionId, connectClient }) => {
      const user = connectClient()
      await user.waitForSynced()
      const question = user.sendMessage('stream to me')
      await user.waitUntilDurable()
      const url = `${server.url}${sessionStreamPath(sessionId)}`
      const tail = await fetch(`${url}?offset=now`)
      const tailOffset = tail.headers.get(STREAM_HEADERS.NEXT_OFFSET) ?? ''
      expect(await tail.json()).toEqual([])

      const seen: SessionEvent[] = []
      const sse = await stream<SessionEvent>({ url, offset: tailOffset, live: 'sse' })
      const sawDone = new Promise<void>((resolve) => {
        sse.subscribeJson((batch) => {
          seen.push(...batch.items)
          if (batch.items.some((event) => event.type === 'message.done' && event.messageId === 'r1')) resolve()
        })
      })
      const longPoll = fetch(`${url}?offset=${tailOffset}&live=long-poll`)
      const tokens = ['one ', 'two ', 'three']
      expect(
        (
          await postSessionCommands(server.url, sessionId, {
            producerId: 'p',
            epoch: 0,
            seq: 0,
            commands: { type: 'start', messageId: 'r1', replyTo: question },
          })
        ).status,
      ).toBe(200)
      const woken = await longPoll
      expect(woken.status).toBe(200)
      expect(woken.headers.get(STREAM_HEADERS.CURSOR)).toMatch(/^\d+$/)
      expect(((await woken.json()) as SessionEvent[])[0]).toMatchObject({
        type: 'message.created',
        messageId: 'r1',
        author: 'p',
      })
      for (const [index, text] of tokens.entries()) {
        expect(
          (
            await postSessionCommands(server.url, sessionId, {
              producerId: 'p',
              epoch: 0,
              seq: index + 1,
              commands: { type: 'text', messageId: 'r1', text },
            })
          ).status,
        ).toBe(200)
      }
      expect(
        (
          await postSessionCommands(server.url, sessionId, {
            producerId: 'p',
            epoch: 0,
            seq: 4,
            commands: { type: 'end', messageId: 'r1', status: 'done' },
          })
        ).status,
      ).toBe(200)
      await sawDone
      sse.cancel()
      expect(seen.map((event) => event.type)).toEqual([
        'message.created',
        'message.delta',
        'message.delta',
        'message.delta',
        'message.done',
      ])
      expect(seen.map((event) => (event.type === 'message.delta' ? event.text : '')).join('')).toBe(tokens.join(''))
    },
  )
})

/** Commands that open reply `messageId`. */
const start = (messageId: string) => ({ type: 'start', messageId })

/** The author of each message of the stored transcript, by message id. */
async function authors(baseUrl: string, sessionId: string, token?: string): Promise<Record<string, string>> {
  const { body } = await fetchTranscript(baseUrl, sessionId, token)
  return Object.fromEntries((body.messages ?? []).map((message) => [message.id, message.author]))
}

describe('producer identity (docs/security.md § An open server)', () => {
  test('on an open server the Producer-Id is the writer: distinct ids keep their own sequences, a reused id shares one', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const user = connectClient()
    await user.waitForSynced()
    const question = user.sendMessage('who answers?')
    await user.waitUntilDurable()
    const post = (producerId: string, epoch: number, seq: number, commands: unknown) =>
      postSessionCommands(server.url, sessionId, { producerId, epoch, seq, commands })

    expect((await post('agent-a', 0, 0, { ...start('ra'), replyTo: question })).status).toBe(200)
    // Another id starts its own sequence at seq 0.
    expect((await post('agent-b', 0, 0, start('rb'))).status).toBe(200)
    // A client reusing agent-a's id continues agent-a's sequence: its seq 0 is a duplicate, answered and not applied.
    const reused = await post('agent-a', 0, 0, start('rc'))
    expect([reused.status, reused.headers.get(STREAM_HEADERS.PRODUCER_SEQ)]).toEqual([204, '0'])
    // With a new epoch it writes as agent-a, into agent-a's reply, and fences the first writer.
    expect((await post('agent-a', 1, 0, { type: 'text', messageId: 'ra', text: 'not mine' })).status).toBe(200)
    const fenced = await post('agent-a', 0, 1, { type: 'text', messageId: 'ra', text: 'mine' })
    expect(fenced.status).toBe(403)
    expect(await fenced.json()).toMatchObject({ error: { code: 'PRODUCER_FENCED' } })

    expect(await authors(server.url, sessionId)).toEqual({
      [question]: expect.any(String),
      ra: 'agent-a',
      rb: 'agent-b',
    })
    expect(streamedText(await readSessionEvents(server.url, sessionId), 'ra')).toBe('not mine')
  })

  authTest(
    'with auth on, producer sequences are per principal: the same Producer-Id of two agents never collides',
    async ({ server, sessionId }) => {
      const admin = tokenFor('admin', 'user', '*')
      const create = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        body: JSON.stringify({ id: sessionId }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      })
      expect(create.status).toBe(201)
      const post = (agent: string, messageId: string) =>
        postSessionCommands(server.url, sessionId, {
          producerId: 'worker',
          epoch: 0,
          seq: 0,
          commands: start(messageId),
          token: tokenFor(agent, 'agent', sessionId),
        })
      expect((await post('bot', 'r1')).status).toBe(200)
      expect((await post('bot-2', 'r2')).status).toBe(200)
      // The same principal and id again: a retry of seq 0, not applied.
      expect((await post('bot', 'r3')).status).toBe(204)
      expect(await authors(server.url, sessionId, admin)).toEqual({ r1: 'bot', r2: 'bot-2' })
    },
  )
})

describe('HTTP appends with auth on (PROTOCOL.md §9.8)', () => {
  authTest(
    'only an agent token for the session appends replies; any role of the session reads',
    async ({ server, sessionId }) => {
      const create = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        body: JSON.stringify({ id: sessionId }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenFor('admin', 'user', '*')}` },
      })
      expect(create.status).toBe(201)
      const batch = { producerId: 'p', epoch: 0, seq: 0, commands: { type: 'start', messageId: 'r1' } }
      const refusals = [
        [undefined, 401, 'UNAUTHORIZED'],
        [tokenFor('alice', 'user', sessionId), 403, 'FORBIDDEN'],
        [tokenFor('eve', 'observer', sessionId), 403, 'FORBIDDEN'],
        [tokenFor('bot', 'agent', 'other-session'), 403, 'FORBIDDEN'],
      ] as const
      for (const [token, status, code] of refusals) {
        const response = await postSessionCommands(server.url, sessionId, {
          ...batch,
          ...(token === undefined ? {} : { token }),
        })
        expect([response.status, ((await response.json()) as { error: { code: string } }).error.code]).toEqual([
          status,
          code,
        ])
      }
      expect(
        (await postSessionCommands(server.url, sessionId, { ...batch, token: tokenFor('bot', 'agent', sessionId) }))
          .status,
      ).toBe(200)
      const events = await readSessionEvents(server.url, sessionId, { token: tokenFor('eve', 'observer', sessionId) })
      expect(events.map(({ event }) => event)).toContainEqual(
        expect.objectContaining({ type: 'message.created', messageId: 'r1', author: 'bot' }),
      )
      const anonymous = await fetch(`${server.url}${sessionStreamPath(sessionId)}?offset=-1`)
      expect(anonymous.status).toBe(401)
      const generic = await fetch(`${server.url}/v1/stream/notes`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${tokenFor('bot', 'agent', sessionId)}` },
      })
      expect(generic.status).toBe(403)
    },
  )
})
