/**
 * A message-rate refusal (PROTOCOL.md §10.5) leaves no trace in governance (PROTOCOL.md §8.3), over real WebSockets
 * against a real server on SQLite with an injected limits clock: the refused update is charged before governance
 * binds its clientIDs, and its scratch try is rolled back. So another principal may then write with the refused
 * clientID, an update continuing a clientID is checked against the live document rather than the refused one, and
 * every replica converges on the stored session.
 */
import { closeFor } from '../testing/close-for.ts'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import { appendMessage } from '../../shared/session/session-doc.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import { awaitAnswer, expectLogClean, forgeUpdate, storedTranscript } from '../testing/attack-kit.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession, type RawSessionSocket } from '../testing/raw-session-socket.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'

const events: SecurityEvent[] = []
let clockMs = 0
const test = testWithStore('sqlite', {
  auth: {
    secret: TEST_AUTH_SECRET,
    onSecurityEvent: (event: SecurityEvent) => {
      events.push(event)
    },
  },
  limits: { messagesPerSecond: 1, messageBurst: 2 },
  limitsNow: () => clockMs,
})

/** A message change by `author` with id `id`. */
const message =
  (id: string, author: string, text: string) =>
  (doc: Y.Doc): void => {
    appendMessage(doc, { id, role: 'user', author, status: 'done', text })
  }

/** Sends `update` on `raw` and resolves whether the server applied it. */
async function send(raw: RawSessionSocket, update: Uint8Array): Promise<boolean> {
  raw.sendUpdate(update)
  return (await awaitAnswer(raw)).applied
}

/** Opens a raw connection as `principalId` (a user). */
const open = (url: string, sessionId: string, principalId: string): Promise<RawSessionSocket> =>
  connectRawSession({ url, sessionId, token: tokenFor(principalId, 'user', sessionId) })

/** Alice spends her burst on clientID 801, then is refused a message written with `refusedClientId`. */
async function refuseAlice(url: string, sessionId: string, refusedClientId: number): Promise<Uint8Array> {
  // Keeps the session loaded, so governance keeps its scratch copy and bindings across the refusal.
  await connectRawSession({ url, sessionId, token: tokenFor('watcher', 'observer', sessionId) })
  const alice = await open(url, sessionId, 'alice')
  expect(await send(alice, await forgeUpdate(alice, 801, message('m_a1', 'alice', 'one')))).toBe(true)
  expect(await send(alice, await forgeUpdate(alice, 802, message('m_a2', 'alice', 'two')))).toBe(true)
  const refused = await forgeUpdate(alice, refusedClientId, message('m_refused', 'alice', 'a refused message'))
  alice.sendUpdate(refused)
  expect(await alice.closed).toEqual(closeFor('RATE_LIMITED'))
  clockMs += 60_000 // every bucket is full again
  return refused
}

/** Every replica — the stored session and a fresh reader's — holds the same state. */
async function expectConverged(url: string, sessionId: string, server: Parameters<typeof storedTranscript>[0]) {
  const reader = await connectRawSession({ url, sessionId, token: tokenFor('reader', 'observer', sessionId) })
  const live = new Y.Doc()
  Y.applyUpdate(live, await reader.serverState())
  const { doc: stored } = applyStoredSession(sessionId, await server.updateLog.load(sessionId))
  expect(Y.encodeStateVector(live)).toEqual(Y.encodeStateVector(stored))
  expect(stored.store.pendingStructs).toBeNull()
  live.destroy()
  stored.destroy()
}

describe('a rate-refused update', () => {
  test('binds no clientID: another principal may then write with it, and every replica converges', async ({
    server,
    sessionId,
  }) => {
    const refused = await refuseAlice(server.websocketUrl, sessionId, 803)
    const bob = await open(server.websocketUrl, sessionId, 'bob')
    const first = changeReplica(await bob.serverState(), message('m_b1', 'bob', 'bob writes with 803'), 803)
    expect(await send(bob, first.update)).toBe(true)
    const second = changeReplica(first.doc, message('m_b2', 'bob', 'and again'), 803)
    expect(await send(bob, second.update)).toBe(true)
    const alice = await open(server.websocketUrl, sessionId, 'alice')
    expect(await send(alice, await forgeUpdate(alice, 804, message('m_a3', 'alice', 'three')))).toBe(true)
    const stored = (await storedTranscript(server, sessionId)) as { messages: Array<{ id: string }> }
    expect(stored.messages.map((entry) => entry.id)).toEqual(['m_a1', 'm_a2', 'm_b1', 'm_b2', 'm_a3'])
    expect(
      events.filter((event) => event.sessionId === sessionId).map((event) => [event.kind, event.error.code]),
    ).toEqual([['limit-exceeded', 'RATE_LIMITED']])
    await expectConverged(server.websocketUrl, sessionId, server)
    await expectLogClean(server, sessionId, refused)
  })

  test('is rolled back from the scratch copy: the same principal continues that clientID from the live document', async ({
    server,
    sessionId,
  }) => {
    await refuseAlice(server.websocketUrl, sessionId, 805)
    const alice = await open(server.websocketUrl, sessionId, 'alice')
    // Shorter than the refused message: a scratch copy still holding it would find these clocks taken.
    const first = changeReplica(await alice.serverState(), message('m_a3', 'alice', 'x'), 805)
    expect(await send(alice, first.update)).toBe(true)
    const second = changeReplica(first.doc, message('m_a4', 'alice', 'y'), 805)
    expect(await send(alice, second.update)).toBe(true)
    const stored = (await storedTranscript(server, sessionId)) as { messages: Array<{ id: string }> }
    expect(stored.messages.map((entry) => entry.id)).toEqual(['m_a1', 'm_a2', 'm_a3', 'm_a4'])
    expect(events.filter((event) => event.sessionId === sessionId).map((event) => event.kind)).toEqual([
      'limit-exceeded',
    ])
    await expectConverged(server.websocketUrl, sessionId, server)
  })
})
