/**
 * Refusal without resend loops (PROTOCOL.md §8.3), over real WebSockets against a real server on SQLite. A refused
 * update is answered in-band — a stateless `update-rejected` notice, SyncStatus(false), the connection left open —
 * so a stock `@hocuspocus/provider`, which reconnects on every close and re-sends its changes in its sync step 2,
 * is refused exactly once per connection; past MAX_REFUSED_UPDATES_PER_CONNECTION refusals a connection is closed
 * with UPDATE_REJECTED. Lifeline's SDK reports a refusal as an `error` event, drops the refused change by syncing a fresh
 * replica, and goes on writing on the same client; an agent's reply being written then fails instead of losing
 * text silently. Nothing of a refused update is stored.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider'
import * as decoding from 'lib0/decoding'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import type { SessionClient } from '../../client/core/session-client.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import { MESSAGE_TYPE } from '../../shared/protocol/message-type.ts'
import {
  decodeUpdateRejectedNotice,
  MAX_REFUSED_UPDATES_PER_CONNECTION,
  type UpdateRejectedNotice,
} from '../../shared/protocol/update-rejected-notice.ts'
import { appendMessage, findMessage, getSessionRoots } from '../../shared/session/session-doc.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { expectLogClean, forgeUpdate } from '../testing/attack-kit.ts'
import { captureLogs } from '../testing/capture-logs.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { fetchTranscript } from '../testing/test-tokens.ts'
import { closeFor } from '../testing/close-for.ts'

const logs = captureLogs()
const test = testWithStore('sqlite', { logger: logs.logger, limits: { maxUserTextChars: 1_000 } })

/** The messages `GET /v1/sessions/:id` answers; the request must succeed. */
async function storedTexts(server: SessionServer, sessionId: string): Promise<Array<string | undefined>> {
  const { status, body } = await fetchTranscript(server.url, sessionId, undefined)
  expect(status).toBe(200)
  return (body.messages ?? []).map((message) => message.text)
}

const refusalsLogged = (sessionId: string): unknown[] =>
  logs.linesFor(sessionId, 'update-rejected').map((line) => line.reason)

/** A stock Hocuspocus provider on `doc` (with `ws`), recording refusal notices, SyncStatus answers and close events. */
function stockProvider(
  server: SessionServer,
  sessionId: string,
  doc: Y.Doc,
): {
  provider: HocuspocusProvider
  socket: HocuspocusProviderWebsocket
  notices: UpdateRejectedNotice[]
  acks: boolean[]
  closes: unknown[]
} {
  const socket = new HocuspocusProviderWebsocket({ url: server.websocketUrl, WebSocketPolyfill: NodeWebSocket })
  const provider = new HocuspocusProvider({ websocketProvider: socket, name: sessionId, document: doc, token: '' })
  provider.attach()
  const seen = {
    provider,
    socket,
    notices: [] as UpdateRejectedNotice[],
    acks: [] as boolean[],
    closes: [] as unknown[],
  }
  provider.on('stateless', ({ payload }: { payload: string }) => {
    const notice = decodeUpdateRejectedNotice(payload)
    if (notice !== undefined) seen.notices.push(notice)
  })
  provider.on('close', ({ event }: { event: unknown }) => {
    seen.closes.push(event)
  })
  provider.on('message', ({ event }: { event: MessageEvent<ArrayBuffer> }) => {
    const decoder = decoding.createDecoder(new Uint8Array(event.data))
    decoding.readVarString(decoder)
    if (decoding.readVarUint(decoder) === MESSAGE_TYPE.SYNC_STATUS) seen.acks.push(decoding.readVarInt(decoder) === 1)
  })
  return seen
}

describe('a stock Hocuspocus provider', () => {
  test('is refused once per connection, stays connected, and its refused change is never stored', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const alice = connectClient({ principalId: 'alice' })
    await alice.waitForSynced()
    alice.sendMessage('hello')
    await alice.waitUntilDurable()
    const doc = new Y.Doc()
    const stock = stockProvider(server, sessionId, doc)
    try {
      await expect.poll(() => stock.acks, { timeout: 5_000 }).toEqual([true]) // its (empty) sync step 2
      getSessionRoots(doc).messages.push(['boom' as unknown as Y.Map<unknown>])
      await expect.poll(() => stock.acks, { timeout: 5_000 }).toEqual([true, false])
      expect(stock.notices).toEqual([
        { code: 'UPDATE_REJECTED', reason: 'SCHEMA_MISMATCH', message: 'entries of a list must be maps' },
      ])
      // The next change of that document follows the refused one: held back without a second notice.
      appendMessage(doc, { id: 'm_stock', role: 'user', author: 'stock', status: 'done', text: 'after' })
      await expect.poll(() => stock.acks, { timeout: 5_000 }).toEqual([true, false, false])
      expect(stock.notices).toHaveLength(1)
      expect(stock.closes).toEqual([])
      expect(refusalsLogged(sessionId)).toEqual(['SCHEMA_MISMATCH'])
      expect(logs.linesFor(sessionId, 'connection-opened')).toHaveLength(2) // alice and the provider, no reconnect
      expect(await storedTexts(server, sessionId)).toEqual(['hello'])

      // A new connection: its sync step 2 carries the refused change again, refused once more.
      stock.socket.disconnect()
      await expect.poll(() => stock.closes.length, { timeout: 5_000 }).toBe(1)
      void stock.socket.connect()
      await expect.poll(() => stock.notices.length, { timeout: 5_000 }).toBe(2)
      await expect.poll(() => stock.acks, { timeout: 5_000 }).toEqual([true, false, false, false])
      expect(refusalsLogged(sessionId)).toEqual(['SCHEMA_MISMATCH', 'SCHEMA_MISMATCH'])
      expect(logs.linesFor(sessionId, 'connection-opened')).toHaveLength(3)
      expect(await storedTexts(server, sessionId)).toEqual(['hello'])
    } finally {
      stock.provider.destroy()
      stock.socket.destroy()
    }
  })

  test(`a connection refused more than ${MAX_REFUSED_UPDATES_PER_CONNECTION} times is closed with UPDATE_REJECTED (4422)`, async ({
    server,
    sessionId,
    connectClient,
  }) => {
    await connectClient().waitForSynced() // keeps the session loaded, so its log is not compacted away
    const raw = await connectRawSession({ url: server.websocketUrl, sessionId, token: '' })
    const attacks: Uint8Array[] = []
    // Each from a fresh clientID, so none repeats another: every one is inspected and refused on its own.
    for (let index = 0; index <= MAX_REFUSED_UPDATES_PER_CONNECTION; index++) {
      attacks.push(
        await forgeUpdate(raw, 720_000 + index, (forged) => {
          getSessionRoots(forged).meta.set('title', `pwned ${index}`)
        }),
      )
    }
    for (const attack of attacks) raw.sendUpdate(attack)
    expect(await raw.closed).toEqual(closeFor('UPDATE_REJECTED'))
    const notices = raw.frames
      .flatMap((frame) => (frame.type === 'stateless' ? [decodeUpdateRejectedNotice(frame.payload)] : []))
      .filter((notice) => notice !== undefined)
    expect(notices.map((notice) => notice.reason)).toEqual(attacks.map(() => 'FORBIDDEN_PARENT'))
    expect(refusalsLogged(sessionId)).toHaveLength(MAX_REFUSED_UPDATES_PER_CONNECTION + 1)
    for (const attack of attacks) await expectLogClean(server, sessionId, attack, { attackerClientIds: [720_000] })
  })
})

describe("Lifeline's SDK", () => {
  /** Records the errors and replicas of `client` from now on. */
  const watch = (client: SessionClient): { errors: SessionError[]; replicas: Y.Doc[] } => {
    const seen = { errors: [] as SessionError[], replicas: [] as Y.Doc[] }
    client.on('error', (error) => {
      seen.errors.push(error)
    })
    client.on('replica', (doc) => {
      seen.replicas.push(doc)
    })
    return seen
  }

  test('reports a refused change, drops it, and writes on: nothing of it is stored', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    const alice = connectClient({ principalId: 'alice' })
    await alice.waitForSynced()
    alice.sendMessage('before')
    await alice.waitUntilDurable()
    const seen = watch(alice)
    const statuses: string[] = []
    alice.on('status', (status) => {
      statuses.push(status)
      // Written while the fresh replica syncs: kept for it.
      if (status === 'syncing') alice.sendMessage('during the rebuild')
    })
    const refusedDoc = alice.doc
    const { clientID } = refusedDoc
    const storedClock = Y.getState(refusedDoc.store, clientID)
    getSessionRoots(alice.doc).messages.push(['boom' as unknown as Y.Map<unknown>])
    await expect.poll(() => seen.replicas.length, { timeout: 5_000 }).toBe(1)
    expect(seen.errors).toEqual([
      expect.objectContaining({ code: 'UPDATE_REJECTED', details: { reason: 'SCHEMA_MISMATCH' } }),
    ])
    expect(alice.doc).toBe(seen.replicas[0])
    expect(alice.doc).not.toBe(refusedDoc)
    expect(statuses).toEqual(['syncing', 'synced'])
    expect(alice.messages().map((message) => message.text)).toEqual(['before', 'during the rebuild'])
    alice.sendMessage('after')
    await alice.waitUntilDurable()
    expect(await storedTexts(server, sessionId)).toEqual(['before', 'during the rebuild', 'after'])
    expect(refusalsLogged(sessionId)).toEqual(['SCHEMA_MISMATCH'])
    const { doc: stored } = applyStoredSession(sessionId, await server.updateLog.load(sessionId))
    expect(Y.getState(stored.store, clientID)).toBe(storedClock)
  })

  test('an offline message over the server text limit is refused once with TEXT_TOO_LONG and dropped; the next is stored', async ({
    server,
    sessionId,
    connectClient,
  }) => {
    // Written before the client has heard the server's limits: checked against the defaults only (PROTOCOL.md §10.3).
    const alice = connectClient({ principalId: 'alice' })
    const seen = watch(alice)
    alice.sendMessage('x'.repeat(1_001))
    await expect.poll(() => seen.replicas.length, { timeout: 5_000 }).toBe(1)
    expect(seen.errors.map((error) => [error.code, error.details.reason])).toEqual([
      ['TEXT_TOO_LONG', 'maxUserTextChars'],
    ])
    expect(logs.linesFor(sessionId, 'limit-exceeded').map((line) => line.code)).toEqual(['TEXT_TOO_LONG'])
    expect(alice.limits.maxUserTextChars).toBe(1_000)
    expect(alice.messages()).toEqual([])
    alice.sendMessage('short enough')
    await alice.waitUntilDurable()
    expect(await storedTexts(server, sessionId)).toEqual(['short enough'])
  })

  test('an agent whose update is refused fails the reply it was writing and answers the next message', async ({
    server,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const alice = connectClient({ principalId: 'alice' })
    await alice.waitForSynced()
    const agent = await connectAgent()
    const seen = watch(agent.client)
    const outcomes: Array<Promise<unknown>> = []
    agent.onUserMessage((message) => {
      const writer = agent.startReply({ replyTo: message.id })
      const tokens = async function* (): AsyncGenerator<string> {
        yield 'partial '
        writer.flush()
        await agent.client.waitUntilDurable()
        // A bug in the agent: a value the schema does not allow, written straight into the document.
        if (message.text === 'first') findMessage(agent.client.doc, writer.id)?.set('status', 'thinking')
        yield 'more'
      }
      outcomes.push(writer.pipe(tokens()).catch((error: unknown) => error))
    })
    alice.sendMessage('first')
    await expect.poll(() => outcomes.length, { timeout: 5_000 }).toBe(1)
    expect(await outcomes[0]).toMatchObject({ code: 'REPLY_CLOSED', details: { dropped: true } })
    expect(seen.errors.map((error) => [error.code, error.details.reason])).toEqual([
      ['UPDATE_REJECTED', 'SCHEMA_MISMATCH'],
    ])
    alice.sendMessage('second')
    await expect.poll(() => outcomes.length, { timeout: 5_000 }).toBe(2)
    await expect(outcomes[1]).resolves.toBe('done')
    await agent.client.waitUntilDurable()
    const { body } = await fetchTranscript(server.url, sessionId, undefined)
    expect(body.messages?.map((message) => [message.role, message.text, message.status])).toEqual([
      ['user', 'first', 'done'],
      ['assistant', 'partial ', 'streaming'],
      ['user', 'second', 'done'],
      ['assistant', 'partial more', 'done'],
    ])
  })
})
