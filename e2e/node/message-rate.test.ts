/**
 * Message and steer rates per principal (PROTOCOL.md §10.5) over real WebSockets and HTTP against a real server on
 * SQLite: new entries past the burst close the connection with RATE_LIMITED after a close notice carrying
 * `retryAfterMs`, nothing of the refused update is stored, the SDK reconnects and delivers it once the bucket has
 * refilled, every connection and HTTP append of a principal shares its buckets, HTTP appends answer 429 with
 * `Retry-After`, and without auth each connection has buckets of its own.
 */
import { describe, expect } from 'vitest'
import type * as Y from 'yjs'
import { appendMessage, appendSteer } from '../../shared/session/session-doc.ts'
import { decodeCloseNotice, type CloseNotice } from '../../shared/protocol/close-notice.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import { expectLogClean, forgeUpdate, storedTranscript } from '../testing/attack-kit.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { connectRawSession, type RawSessionSocket } from '../testing/raw-session-socket.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'
import { closeFor } from '../testing/close-for.ts'
import { ERROR_CODES } from '../../shared/errors/error-codes.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'

const events: SecurityEvent[] = []
const auth = {
  secret: TEST_AUTH_SECRET,
  onSecurityEvent: (event: SecurityEvent) => {
    events.push(event)
  },
}
const rates = { messagesPerSecond: 2, messageBurst: 3, steersPerSecond: 2, steerBurst: 2 }
/** The limits' clock: it moves only when a test advances it, so no bucket refills on its own. */
let clockMs = 0
const limitsNow = (): number => clockMs
const test = testWithStore('sqlite', { auth, limits: rates, limitsNow })
const testOpen = testWithStore('sqlite', { limits: rates, limitsNow })

/** `count` user messages (ids `m_<prefix><n>`) by `author`, in one update. */
const messages =
  (prefix: string, count: number, author = 'alice') =>
  (doc: Y.Doc): void => {
    for (let index = 0; index < count; index++)
      appendMessage(doc, {
        id: `m_${prefix}${index}`,
        role: 'user',
        author,
        status: 'done',
        text: `${prefix} ${index}`,
      })
  }

/** Sends `update` on `raw` and expects it acknowledged. */
async function expectAccepted(raw: RawSessionSocket, update: Uint8Array): Promise<void> {
  const acknowledged = raw.frames.filter((frame) => frame.type === 'sync-status').length
  raw.sendUpdate(update)
  await expect
    .poll(() => raw.frames.filter((frame) => frame.type === 'sync-status'), { timeout: 5_000 })
    .toHaveLength(acknowledged + 1)
  expect(raw.frames.filter((frame) => frame.type === 'sync-status').at(-1)).toEqual({
    type: 'sync-status',
    applied: true,
  })
}

/** Sends `update` on `raw`, expects the close with RATE_LIMITED and returns the close notice sent before it. */
async function expectRateLimited(raw: RawSessionSocket, update: Uint8Array): Promise<CloseNotice> {
  raw.sendUpdate(update)
  expect(await raw.closed).toEqual(closeFor('RATE_LIMITED'))
  const notices = raw.frames
    .flatMap((frame) => (frame.type === 'stateless' ? [decodeCloseNotice(frame.payload)] : []))
    .filter((notice) => notice !== undefined)
  expect(notices).toHaveLength(1)
  return notices[0] as CloseNotice
}

describe('messages and steers per principal', () => {
  test('a user posting past its burst is closed with RATE_LIMITED and retry details; the refused update is not stored', async ({
    server,
    sessionId,
  }) => {
    // Keeps the session loaded, so its log is not compacted away before it is checked.
    await connectRawSession({ url: server.websocketUrl, sessionId, token: tokenFor('watcher', 'observer', sessionId) })
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    await expectAccepted(raw, await forgeUpdate(raw, 101, messages('a', 3)))
    const before = await storedTranscript(server, sessionId)
    const refused = await forgeUpdate(raw, 102, messages('b', 1))
    const notice = await expectRateLimited(raw, refused)
    expect(notice).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 'messages', scope: 'principal', entries: 1, perSecond: 2, burst: 3, sessionId },
    })
    // One message at two a second, with the bucket empty.
    expect(notice.details.retryAfterMs).toBe(500)
    expect(
      events
        .filter((event) => event.sessionId === sessionId)
        .map((event) => [event.kind, event.principalId, event.error.code, event.error.details.limit]),
    ).toEqual([['limit-exceeded', 'alice', 'RATE_LIMITED', 'messages']])
    expect(await storedTranscript(server, sessionId)).toEqual(before)
    await expectLogClean(server, sessionId, refused, { attackerClientIds: [102] })
  })

  test('steers have their own bucket: messages do not use it up, a third steer at once is refused', async ({
    server,
    sessionId,
  }) => {
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    await expectAccepted(raw, await forgeUpdate(raw, 201, messages('a', 3)))
    await expectAccepted(
      raw,
      await forgeUpdate(raw, 202, (doc) => {
        appendSteer(doc, { id: 'st_1', kind: 'note', author: 'alice', text: 'one' })
        appendSteer(doc, { id: 'st_2', kind: 'note', author: 'alice', text: 'two' })
      }),
    )
    const notice = await expectRateLimited(
      raw,
      await forgeUpdate(raw, 203, (doc) => {
        appendSteer(doc, { id: 'st_3', kind: 'stop', author: 'alice' })
      }),
    )
    expect(notice.details).toMatchObject({ limit: 'steers', scope: 'principal', entries: 1, perSecond: 2, burst: 2 })
  })

  test('the connections of one principal share its bucket; another principal has its own', async ({
    server,
    sessionId,
  }) => {
    const token = tokenFor('alice', 'user', sessionId)
    const first = await connectRawSession({ url: server.websocketUrl, sessionId, token })
    const second = await connectRawSession({ url: server.websocketUrl, sessionId, token })
    await expectAccepted(first, await forgeUpdate(first, 301, messages('a', 2)))
    await expectAccepted(second, await forgeUpdate(second, 302, messages('b', 1)))
    expect((await expectRateLimited(second, await forgeUpdate(second, 303, messages('c', 1)))).details).toMatchObject({
      limit: 'messages',
    })
    const bob = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('bob', 'user', sessionId),
    })
    await expectAccepted(bob, await forgeUpdate(bob, 304, messages('d', 3, 'bob')))
  })

  test('an update larger than the burst passes when the bucket is full: an offline backlog is delayed, never refused for good', async ({
    server,
    sessionId,
  }) => {
    const raw = await connectRawSession({
      url: server.websocketUrl,
      sessionId,
      token: tokenFor('alice', 'user', sessionId),
    })
    await expectAccepted(raw, await forgeUpdate(raw, 401, messages('backlog', 8)))
    expect(await storedTranscript(server, sessionId)).toMatchObject({
      messages: expect.arrayContaining([expect.objectContaining({ id: 'm_backlog7' })]),
    })
  })

  test('the SDK reports RATE_LIMITED with retryAfterMs, reconnects, and stores every message once', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    const errors: SessionError[] = []
    alice.on('error', (error) => {
      errors.push(error)
    })
    const sent = Array.from({ length: 5 }, (_, index) => alice.sendMessage(`quick ${index}`))
    await expect.poll(() => errors.map((error) => error.code), { timeout: 5_000 }).toContain('RATE_LIMITED')
    expect(errors[0]?.details).toMatchObject({
      limit: 'messages',
      scope: 'principal',
      closeCode: ERROR_CODES.RATE_LIMITED.closeCode,
    })
    expect(errors[0]?.details.retryAfterMs).toBeGreaterThan(0)
    clockMs += 60_000 // a full bucket admits whatever is left, at once
    await alice.waitUntilDurable(15_000)
    const stored = (await storedTranscript(server, sessionId)) as { messages: Array<{ id: string }> }
    expect(stored.messages.map((message) => message.id)).toEqual(sent)
    // The SDK is closed with RATE_LIMITED and reconnects with backoff before it delivers: waitUntilDurable above
    // allows 15 s for that alone.
  }, 20_000)

  testOpen('without auth every connection has buckets of its own', async ({ server, sessionId }) => {
    const first = await connectRawSession({ url: server.websocketUrl, sessionId, token: '' })
    const second = await connectRawSession({ url: server.websocketUrl, sessionId, token: '' })
    await expectAccepted(first, await forgeUpdate(first, 501, messages('a', 3)))
    await expectAccepted(second, await forgeUpdate(second, 502, messages('b', 3)))
    expect((await expectRateLimited(first, await forgeUpdate(first, 503, messages('c', 1)))).details).toMatchObject({
      limit: 'messages',
      scope: 'principal',
    })
  })
})

describe('HTTP appends', () => {
  test("replies started past the burst answer 429 with Retry-After; the agent's WebSocket replies use the same bucket", async ({
    server,
    sessionId,
  }) => {
    const token = tokenFor('agent-1', 'agent', sessionId)
    const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token })
    await expectAccepted(
      raw,
      await forgeUpdate(raw, 601, (doc) => {
        appendMessage(doc, { id: 'r_ws', role: 'assistant', author: 'agent-1', status: 'streaming' })
      }),
    )
    const producer = { producerId: 'p', epoch: 0, token }
    expect(
      (
        await postSessionCommands(server.url, sessionId, {
          ...producer,
          seq: 0,
          commands: { type: 'start', messageId: 'r_0' },
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await postSessionCommands(server.url, sessionId, {
          ...producer,
          seq: 1,
          commands: [
            { type: 'start', messageId: 'r_1' },
            { type: 'text', messageId: 'r_1', text: 'hi' },
          ],
        })
      ).status,
    ).toBe(200)
    const refused = await postSessionCommands(server.url, sessionId, {
      ...producer,
      seq: 2,
      commands: { type: 'start', messageId: 'r_2' },
    })
    expect(refused.status).toBe(429)
    expect(refused.headers.get(STREAM_HEADERS.RETRY_AFTER)).toBe('1')
    expect(refused.headers.get('access-control-expose-headers')).toContain(STREAM_HEADERS.RETRY_AFTER)
    const body = (await refused.json()) as { error: { code: string; details: Record<string, unknown> } }
    expect(body.error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { limit: 'messages', scope: 'principal', entries: 1 },
    })
    expect(body.error.details.retryAfterMs).toBe(500)
    expect(
      events
        .filter((event) => event.sessionId === sessionId)
        .map((event) => [event.kind, event.principalId, event.error.details.limit]),
    ).toEqual([['limit-exceeded', 'agent-1', 'messages']])
    // Text into a started reply is not a new message: it still goes through.
    expect(
      (
        await postSessionCommands(server.url, sessionId, {
          ...producer,
          seq: 2,
          commands: { type: 'text', messageId: 'r_1', text: ' there' },
        })
      ).status,
    ).toBe(200)
    // The refused seq was not consumed: the same start goes through once the bucket has refilled.
    clockMs += 500
    expect(
      (
        await postSessionCommands(server.url, sessionId, {
          ...producer,
          seq: 3,
          commands: { type: 'start', messageId: 'r_2' },
        })
      ).status,
    ).toBe(200)
    const stored = (await storedTranscript(server, sessionId)) as { messages: Array<{ id: string; text: string }> }
    expect(stored.messages.map((message) => message.id)).toEqual(['r_ws', 'r_0', 'r_1', 'r_2'])
    expect(stored.messages.find((message) => message.id === 'r_1')?.text).toBe('hi there')
  })
})
