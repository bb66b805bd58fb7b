/**
 * A session read as a Durable Streams JSON event stream (PROTOCOL.md §9.6). A real server on a real
 * SQLite update log and stream store; the agent streams over WebSockets; readers use plain HTTP. Replaying from
 * every offset yields exactly the suffix of the full stream, also after a restart and log compaction, and events
 * for updates that reached the log but not the stream before a crash are recorded when the session loads.
 */
import { describe, expect, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { sessionStreamPath } from '../../shared/protocol/session-stream-path.ts'
import { appendMessage } from '../../shared/session/session-doc.ts'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { testWithStore, type ServerFactory } from '../testing/fixtures.ts'
import { createOneTimeHold } from '../testing/one-time-hold.ts'
import { openTestStreamStore } from '../testing/test-stream-store.ts'
import { STORE_KINDS, type TestStore } from '../testing/test-store.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { readSessionEvents, streamedText, type OffsetEvent } from '../testing/session-stream-reader.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'

/** A server whose streams are stored beside the test's log, answering one event per read. */
async function startStreamServer(startServer: ServerFactory, store: TestStore): Promise<SessionServer> {
  return await startServer({
    compactEveryUpdates: 10,
    streams: { store: await openTestStreamStore(store), maxReadBytes: 1 },
  })
}

function expectWellFormed(events: readonly OffsetEvent[]): void {
  const offsets = events.map(({ offset }) => offset)
  expect([...offsets].sort()).toEqual(offsets)
  expect(new Set(offsets).size).toBe(offsets.length)
  const created = events
    .filter(({ event }) => event.type === 'message.created')
    .map(({ event }) => (event as { messageId: string }).messageId)
  expect(new Set(created).size).toBe(created.length)
}

async function expectEveryOffsetReplaysTheSuffix(
  server: SessionServer,
  sessionId: string,
  full: readonly OffsetEvent[],
): Promise<void> {
  for (const [index, event] of full.entries()) {
    expect(await readSessionEvents(server.url, sessionId, { offset: event.offset })).toEqual(full.slice(index + 1))
  }
}

describe.each(STORE_KINDS)('session event stream on %s', (kind) => {
  const test = testWithStore(kind)
  test('replays from every offset the suffix of the full stream, also across a restart with compaction', async ({
    startServer,
    store,
    sessionId,
  }) => {
    let server = await startStreamServer(startServer, store)
    const agent = await createAgentSession({
      url: server.websocketUrl,
      sessionId,
      agentId: 'agent-1',
      maxBufferChars: 8,
      coalesceMs: 1,
    })
    const tokens = Array.from({ length: 40 }, (_, index) => `t${index} `)
    agent.onUserMessage(async (message) => {
      await agent.startReply({ replyTo: message.id }).pipe(
        (async function* () {
          yield* tokens
        })(),
      )
    })
    const user = createSessionClient({
      url: server.websocketUrl,
      sessionId,
      principalId: 'alice',
      WebSocket: NodeWebSocket,
    })
    onTestFinished(() => {
      user.destroy()
      agent.client.destroy()
    })
    user.sendMessage('count please')
    await expect
      .poll(
        async () =>
          (await readSessionEvents(server.url, sessionId)).some(
            ({ event }) => event.type === 'message.done' && event.messageId !== user.messages()[0]?.id,
          ),
        { timeout: 20_000 },
      )
      .toBe(true)
    const full = await readSessionEvents(server.url, sessionId)
    expectWellFormed(full)
    const replyId = user.messages().find((message) => message.role === 'assistant')?.id ?? ''
    expect(streamedText(full, replyId)).toBe(tokens.join(''))
    expect(streamedText(full, user.messages()[0]?.id ?? '')).toBe('count please')
    await expectEveryOffsetReplaysTheSuffix(server, sessionId, full)

    user.destroy()
    agent.client.destroy()
    await server.close()
    server = await startStreamServer(startServer, store)
    expect(await readSessionEvents(server.url, sessionId)).toEqual(full)
    await expectEveryOffsetReplaysTheSuffix(server, sessionId, full)
  })

  test('records on load what reached the log but not the stream before a crash', async ({
    startServer,
    store,
    sessionId,
  }) => {
    let server = await startStreamServer(startServer, store)
    expect(
      (
        await fetch(`${server.url}/v1/sessions`, {
          method: 'POST',
          body: JSON.stringify({ id: sessionId }),
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(201)
    const before = await readSessionEvents(server.url, sessionId)
    await server.close()
    // The crash window: an update is in the log, the stream never saw it (no server was running).
    const log = await store.open()
    const { doc } = applyStoredSession(sessionId, await log.load(sessionId))
    const vector = Y.encodeStateVector(doc)
    appendMessage(doc, {
      id: 'late-1',
      role: 'user',
      author: 'alice',
      status: 'done',
      text: 'written before the crash',
    })
    await log.append(sessionId, [Y.encodeStateAsUpdate(doc, vector)])
    await log.close()
    server = await startStreamServer(startServer, store)
    const after = await readSessionEvents(server.url, sessionId)
    expect(after.slice(0, before.length)).toEqual(before)
    expect(after.slice(before.length).map(({ event }) => event.type)).toEqual([
      'message.created',
      'message.delta',
      'message.done',
    ])
    expect(streamedText(after, 'late-1')).toBe('written before the crash')
  })

  test('goes on recording a session whose unload was given up, a device having connected meanwhile', async ({
    startServer,
    store,
    sessionId,
  }) => {
    // Holds an unload once Lifeline's own beforeUnloadDocument hooks have run (this extension runs after them).
    const hold = createOneTimeHold()
    const server = await startServer({
      streams: { store: await openTestStreamStore(store) },
      extensions: [{ extensionName: 'test-hold-unload', beforeUnloadDocument: () => hold.wait() }],
    })
    const connect = (device: string) => {
      const client = createSessionClient({
        url: server.websocketUrl,
        sessionId,
        principalId: 'alice',
        device,
        WebSocket: NodeWebSocket,
      })
      onTestFinished(() => client.destroy())
      return client
    }
    const first = connect('first')
    first.sendMessage('before the unload')
    await first.waitUntilDurable()
    hold.arm()
    first.destroy()
    await hold.reached
    // The device connects while the unload waits: Hocuspocus keeps the document, and gives the unload up.
    const second = connect('second')
    await second.waitForSynced()
    hold.release()
    const id = second.sendMessage('after the unload was given up')
    await second.waitUntilDurable()
    expect(server.hocuspocus.documents.has(sessionId)).toBe(true)
    const created = async (): Promise<boolean> =>
      (await readSessionEvents(server.url, sessionId)).some(
        ({ event }) => event.type === 'message.created' && (event as { messageId: string }).messageId === id,
      )
    await expect.poll(created, { timeout: 10_000 }).toBe(true)
  })

  test('erases the event stream with its session (right to erasure)', async ({ startServer, store, sessionId }) => {
    const server = await startStreamServer(startServer, store)
    expect(
      (
        await fetch(`${server.url}/v1/sessions`, {
          method: 'POST',
          body: JSON.stringify({ id: sessionId }),
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(201)
    expect(
      (
        await postSessionCommands(server.url, sessionId, {
          producerId: 'p',
          epoch: 0,
          seq: 0,
          commands: [
            { type: 'start', messageId: 'r1' },
            { type: 'text', messageId: 'r1', text: 'secret' },
          ],
        })
      ).status,
    ).toBe(200)
    expect(streamedText(await readSessionEvents(server.url, sessionId), 'r1')).toBe('secret')
    const fork = await fetch(`${server.url}/v1/stream/copy`, {
      method: 'PUT',
      headers: { [STREAM_HEADERS.FORKED_FROM]: sessionStreamPath(sessionId) },
    })
    expect(fork.status).toBe(400)
    expect((await fetch(`${server.url}/v1/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204)
    expect((await fetch(`${server.url}${sessionStreamPath(sessionId)}?offset=-1`)).status).toBe(404)
    await server.close()
    const streams = await openTestStreamStore(store)
    expect(await streams.get(`sessions/${sessionId}`)).toBeUndefined()
    expect(await streams.read(`sessions/${sessionId}`, 0, 1024)).toEqual([])
    await streams.close()
  })

  test('refuses to create or delete streams in the sessions namespace, and 404s unknown sessions', async ({
    server,
  }) => {
    const put = await fetch(`${server.url}${sessionStreamPath('nope')}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
    })
    expect(put.status).toBe(405)
    const get = await fetch(`${server.url}${sessionStreamPath('nope')}?offset=-1`)
    expect(get.status).toBe(404)
    expect(await get.json()).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } })
  })
})
