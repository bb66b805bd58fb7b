/**
 * The SDK's answer to the server refusing bad input (PROTOCOL.md §2.5), over a real server and real sockets: a
 * connection closed with BAD_FRAME or MESSAGE_TOO_LARGE surfaces as an `error` event with that code and the client
 * stops in state `failed` instead of reconnecting in a loop — on the WebSocket and on the HTTP fallback, where an
 * upload over the frame cap answers 413. The realistic case is an offline backlog whose sync step 2 is over the cap.
 */
import { afterAll, describe, expect, vi } from 'vitest'
import * as Y from 'yjs'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import { StoppableProviderWebsocket } from '../../client/core/stoppable-provider-websocket.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import { SSE_EVENTS } from '../../shared/protocol/http-fallback.ts'
import { appendMessage } from '../../shared/session/session-doc.ts'
import { BlockedWebSocket } from '../testing/blocked-websocket.ts'
import { GARBAGE_FRAME } from '../testing/crafted-frames.ts'
import { testWithStore, type SessionFixtures } from '../testing/fixtures.ts'
import { ERROR_CODES } from '../../shared/errors/error-codes.ts'

const MAX_FRAME_BYTES = 64 * 1024
const RECONNECT_DELAY_MS = 10
const test = testWithStore('sqlite', { maxFrameBytes: MAX_FRAME_BYTES })

/** Every socket the client opens, so a test can send through it and count reconnects. */
const sockets: NodeWebSocket[] = []
class TrackedWebSocket extends NodeWebSocket {
  constructor(url: string) {
    super(url)
    sockets.push(this)
  }
}

/** A document written offline: messages that together are well over the frame cap, each well under the update limit. */
function offlineBacklog(): Y.Doc {
  const doc = new Y.Doc()
  for (let index = 0; index < 40; index++) {
    appendMessage(doc, {
      id: `m_offline_${index}`,
      role: 'user',
      author: 'user-1',
      status: 'done',
      text: `${index} ${'z'.repeat(3_000)}`,
    })
  }
  expect(Y.encodeStateAsUpdate(doc).byteLength).toBeGreaterThan(MAX_FRAME_BYTES)
  return doc
}

/** Records the client's `error` events from now on and resolves with them once it has failed. */
async function failure(client: SessionClient): Promise<SessionError[]> {
  const errors: SessionError[] = []
  client.on('error', (error) => {
    errors.push(error)
  })
  await expect.poll(() => client.status, { timeout: 10_000 }).toBe('failed')
  return errors
}

/** A client on the HTTP fallback (its WebSockets are refused) whose document holds an offline backlog over the cap. */
function backlogOnFallback(connectClient: SessionFixtures['connectClient'], fetchThrough: typeof fetch): SessionClient {
  return connectClient({
    doc: offlineBacklog(),
    WebSocket: BlockedWebSocket,
    reconnectDelayMs: RECONNECT_DELAY_MS,
    transport: { websocketTimeoutMs: 1_000, upgradeProbeMs: 60_000, fetch: fetchThrough },
  })
}

/** The provider's connects (each a reconnect once a client is up) and its socket closes. */
const connects = vi.spyOn(StoppableProviderWebsocket.prototype, 'connect')
const closes = vi.spyOn(StoppableProviderWebsocket.prototype, 'onClose')
afterAll(() => {
  connects.mockRestore()
  closes.mockRestore()
})

/** What the provider had done when a test's failure began. */
const mark = (): { connects: number; closes: number } => ({
  connects: connects.mock.calls.length,
  closes: closes.mock.calls.length,
})

/**
 * A negative check without a fixed wait: once the provider has handled the socket's close, either it scheduled no
 * reconnect, or it has run the one it scheduled (a stopped client's `connect()` does nothing); then nothing more was
 * opened or sent. Before the fix the client reconnected there (a close reason that is no error code, or a POST
 * retried forever).
 */
async function expectNoReconnect(
  since: { connects: number; closes: number },
  count: () => number,
  opened: number,
): Promise<void> {
  await expect.poll(() => closes.mock.calls.length, { timeout: 10_000 }).toBeGreaterThan(since.closes)
  if ((closes.mock.contexts.at(-1) as StoppableProviderWebsocket).shouldConnect) {
    await expect.poll(() => connects.mock.calls.length, { timeout: 10_000 }).toBeGreaterThan(since.connects)
    await connects.mock.results.at(-1)?.value
  }
  expect(count()).toBe(opened)
}

describe('SDK on bad input', () => {
  test('a BAD_FRAME close is an error event and the client stops instead of reconnecting', async ({
    connectClient,
  }) => {
    sockets.length = 0
    const client = connectClient({
      WebSocket: TrackedWebSocket,
      transport: false,
      reconnectDelayMs: RECONNECT_DELAY_MS,
    })
    await client.waitForSynced()
    expect(sockets).toHaveLength(1)
    const failed = failure(client)
    const since = mark()
    sockets[0]?.send(GARBAGE_FRAME) // as a broken client or a corrupting proxy would
    expect((await failed).map((error) => error.code)).toEqual(['BAD_FRAME'])
    await expectNoReconnect(since, () => sockets.length, 1)
  })

  test('an offline backlog over the frame cap fails with MESSAGE_TOO_LARGE on the WebSocket instead of a reconnect loop', async ({
    connectClient,
  }) => {
    sockets.length = 0
    const client = connectClient({
      doc: offlineBacklog(),
      WebSocket: TrackedWebSocket,
      transport: false,
      reconnectDelayMs: RECONNECT_DELAY_MS,
    })
    const since = mark()
    expect((await failure(client)).map((error) => [error.code, error.details.closeCode])).toEqual([
      ['MESSAGE_TOO_LARGE', ERROR_CODES.MESSAGE_TOO_LARGE.closeCode],
    ])
    await expectNoReconnect(since, () => sockets.length, 1)
  })

  test('an offline backlog over the frame cap fails with MESSAGE_TOO_LARGE on the HTTP fallback instead of retrying the upload', async ({
    server,
    connectClient,
  }) => {
    let uploads = 0
    const counting: typeof fetch = async (input, init) => {
      if (String(input).includes('/v1/http/send')) uploads++
      return await fetch(input, init)
    }
    const client = backlogOnFallback(connectClient, counting)
    const since = mark()
    expect((await failure(client)).map((error) => [error.code, error.details.closeCode])).toEqual([
      ['MESSAGE_TOO_LARGE', ERROR_CODES.MESSAGE_TOO_LARGE.closeCode],
    ])
    expect(client.transport).toBe('sse')
    const sent = uploads
    await expectNoReconnect(since, () => uploads, sent)
    expect(server.hocuspocus.getConnectionsCount()).toBe(0)
  })

  test('the fallback ends on the 413 itself when the close event never reaches it', async ({ connectClient }) => {
    let refusedUploads = 0
    // A proxy that cuts the event stream just before the server's close event: only the upload's answer tells the client.
    const closeEventsLost: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (response.status === 413) refusedUploads++
      return String(input).includes('/v1/http/sse') ? withoutCloseEvents(response) : response
    }
    const client = backlogOnFallback(connectClient, closeEventsLost)
    expect((await failure(client)).map((error) => [error.code, error.details.closeCode])).toEqual([
      ['MESSAGE_TOO_LARGE', ERROR_CODES.MESSAGE_TOO_LARGE.closeCode],
    ])
    expect(refusedUploads).toBe(1) // not sent again
  })
})

/** `response` with every SSE `close` event removed from its body. */
function withoutCloseEvents(response: Response): Response {
  if (response.body === null) return response
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  let pending = ''
  const filter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true })
      const events = pending.split('\n\n')
      pending = events.pop() ?? ''
      const kept = events.filter((event) => !event.startsWith(`event: ${SSE_EVENTS.CLOSE}`))
      if (kept.length > 0) controller.enqueue(encoder.encode(kept.map((event) => `${event}\n\n`).join('')))
    },
  })
  return new Response(response.body.pipeThrough(filter), { status: response.status, headers: response.headers })
}
