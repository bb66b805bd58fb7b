/**
 * Offline delivery through the SDK against a real server on SQLite: entries written with no connection are listed
 * as pending, stay known as pending after a "reload" (a new client on the saved document and the saved server state
 * vector), and are delivered exactly once, in order, when the connection is back — also a backlog over the server's
 * `maxUpdateBytes`, which goes out in pieces that fit and is never refused (docs/offline.md).
 */
import { expect } from 'vitest'
import * as Y from 'yjs'
import type { PendingEntry, ServerStateStore, SessionClient } from '../../client/core/session-client.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import { DEFAULT_SESSION_LIMITS } from '../../shared/limits/session-limits.ts'
import { createSeededRandom, testSeed } from '../../shared/testing/seeded-random.ts'
import { test } from '../testing/fixtures.ts'
import { fetchTranscript } from '../testing/test-tokens.ts'

/** A ServerStateStore in memory, standing in for the page's localStorage across a reload. */
function memoryStore(): ServerStateStore & { saves: number } {
  let saved: ReadonlyMap<number, number> | undefined
  return {
    saves: 0,
    load: () => saved,
    save(stateVector) {
      saved = new Map(stateVector)
      this.saves++
    },
  }
}

/** The document a reload would load from the offline copy: the same content in a new Y.Doc. */
function reloaded(client: SessionClient): Y.Doc {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(client.doc))
  return doc
}

/** Resolves once `client` reports no pending entries. */
async function allDelivered(client: SessionClient): Promise<void> {
  await expect.poll(() => client.pendingEntries(), { timeout: 10_000 }).toEqual([])
}

test('entries written offline are pending across a reload and delivered once, in order, when back online', async ({
  server,
  sessionId,
  connectClient,
}) => {
  const store = memoryStore()
  const first = connectClient({ serverState: store })
  await first.waitForSynced()
  const online = first.sendMessage('written online')
  await allDelivered(first)
  expect(store.saves).toBeGreaterThan(0)

  first.disconnect()
  const seen: PendingEntry[][] = []
  first.on('pending', (entries) => seen.push(entries))
  const question = first.sendMessage('written offline')
  const stop = first.steer({ kind: 'stop', target: online })
  const followUp = first.sendMessage('and another one')
  const expected: PendingEntry[] = [
    { kind: 'message', id: question },
    { kind: 'message', id: followUp },
    { kind: 'steer', id: stop },
  ]
  expect(first.pendingEntries()).toEqual(expected)
  expect(seen.at(-1)).toEqual(expected)
  const offlineDoc = reloaded(first)
  first.destroy()
  expect((await fetchTranscript(server.url, sessionId, undefined)).body.messages?.map((m) => m.id)).toEqual([online])

  // The tab is opened again: before any connection, the saved state vector tells what the server lacks.
  const second = connectClient({ serverState: store, doc: offlineDoc })
  expect(second.pendingEntries()).toEqual(expected)
  await second.waitForSynced()
  await allDelivered(second)
  const { body } = await fetchTranscript(server.url, sessionId, undefined)
  expect(body.messages?.map((message) => message.id)).toEqual([online, question, followUp])
  expect(body.steering?.map((steer) => steer.id)).toEqual([stop])
})

test('without a saved server state every entry counts as pending until the server confirms it', async ({
  connectClient,
}) => {
  const first = connectClient()
  await first.waitForSynced()
  first.sendMessage('hello')
  await allDelivered(first)
  const second = connectClient({ doc: reloaded(first) })
  expect(second.pendingEntries()).toHaveLength(1)
  await second.waitForSynced()
  await allDelivered(second)
})

test('an offline backlog over maxUpdateBytes syncs in pieces after a reload, never refused, nothing lost', async ({
  server,
  sessionId,
  connectClient,
}) => {
  const random = createSeededRandom(testSeed(5))
  const store = memoryStore()
  const first = connectClient({ serverState: store })
  await first.waitForSynced()
  first.disconnect()
  const ids: string[] = []
  let chars = 0
  // Random letters (no compression in Yjs): about 1.5 MiB of text in messages of up to 60 000 characters.
  while (chars < 1.5 * DEFAULT_SESSION_LIMITS.maxUpdateBytes) {
    const length = random.int(20_000, 60_000)
    ids.push(first.sendMessage(Array.from({ length }, () => String.fromCharCode(random.int(97, 122))).join('')))
    chars += length
  }
  const offlineDoc = reloaded(first)
  const backlog = Y.encodeStateAsUpdate(offlineDoc, Y.encodeStateVector(new Y.Doc()))
  expect(backlog.byteLength, `seed ${random.seed}`).toBeGreaterThan(DEFAULT_SESSION_LIMITS.maxUpdateBytes)
  first.destroy()

  const second = connectClient({ serverState: store, doc: offlineDoc })
  const errors: SessionError[] = []
  second.on('error', (error) => errors.push(error))
  await second.waitForSynced()
  await allDelivered(second)
  await second.waitUntilDurable()
  expect(errors).toEqual([])
  const { body } = await fetchTranscript(server.url, sessionId, undefined)
  expect(body.messages?.map((message) => message.id)).toEqual(ids)
  expect(body.messages?.map((message) => message.text)).toEqual(second.messages().map((message) => message.text))
  // A backlog over maxUpdateBytes, stored offline, reloaded and synced in pieces: past the 15 s default when shared.
}, 30_000)

test('what other clients write reaches this client as delivered, never pending', async ({
  connectClient,
  connectAgent,
}) => {
  const store = memoryStore()
  const person = connectClient({ serverState: store })
  const seen: PendingEntry[][] = []
  person.on('pending', (entries) => seen.push(entries))
  await person.waitForSynced()
  const agent = await connectAgent()
  const question = person.sendMessage('a question')
  await allDelivered(person)
  const reply = agent.startReply({ replyTo: question })
  reply.append('an answer')
  await reply.end('done')
  await expect.poll(() => person.messages().map((message) => message.text)).toEqual(['a question', 'an answer'])
  const other = connectClient({ principalId: 'someone-else' })
  await other.waitForSynced()
  other.sendMessage('a second person')
  await expect.poll(() => person.messages()).toHaveLength(3)
  expect(person.pendingEntries()).toEqual([])
  const pendingIds = new Set(seen.flat().map((entry) => entry.id))
  expect([...pendingIds]).toEqual([question])
})
