/**
 * A session whose stored log holds entries that do not fit the schema (PROTOCOL.md §1.3) still loads and serves, on
 * SQLite and PostgreSQL. A real server (no auth) stores a conversation; then schema-breaking updates of many shapes are
 * appended straight into the store, as a bug or an older version would have written them (bypassing the server's
 * checks). After a restart the transcript, the event stream, an SDK client and an agent see only the entries that
 * fit; the agent answers a new message and an HTTP agent appends; compaction goes on; and the quarantine is reported with the right seqs in
 * the log, the metrics and the audit trail — after compaction, with the snapshot's seq range.
 */
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import { describe, expect, onTestFinished } from 'vitest'
import * as Y from 'yjs'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createAgentSession, type AgentSession } from '../../client/agent/agent-session.ts'
import { createSessionClient, type SessionClient } from '../../client/core/session-client.ts'
import { sessionAuditPath, sessionPath } from '../../shared/protocol/routes.ts'
import { getSessionRoots } from '../../shared/session/session-doc.ts'
import type { TranscriptView } from '../../shared/session/session-schema.ts'
import { changeReplica } from '../../shared/testing/change-replica.ts'
import { numberedTokens } from '../../shared/testing/token-stream.ts'
import { yMapOf } from '../../shared/testing/y-map-of.ts'
import type { AuditPage } from '../../server/http/audit-api.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { UpdateLog } from '../../server/persistence/update-log.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { testWithStore, type ServerFactory } from '../testing/fixtures.ts'
import { postSessionCommands } from '../testing/post-session-commands.ts'
import { metricValue } from '../testing/scrape-metrics.ts'
import { readSessionEvents } from '../testing/session-stream-reader.ts'
import { STORE_KINDS, type TestStore } from '../testing/test-store.ts'
import { openTestStreamStore } from '../testing/test-stream-store.ts'

/** Where a quarantined entry is and which seqs wrote it, as the log, the audit trail and the test name it. */
interface Placed {
  readonly root: string
  readonly index?: number
  readonly key?: string
  readonly path: readonly unknown[]
  readonly fromSeq: number
  readonly toSeq: number
}

function placed(entry: Placed): Placed {
  const { root, index, key, path, fromSeq, toSeq } = entry
  return {
    root,
    ...(index === undefined ? {} : { index }),
    ...(key === undefined ? {} : { key }),
    path,
    fromSeq,
    toSeq,
  }
}

const byPlace = (a: Placed, b: Placed): number =>
  `${a.root}/${a.index ?? a.key ?? ''}`.localeCompare(`${b.root}/${b.index ?? b.key ?? ''}`)

/** A pino logger writing JSON lines into an array. */
function captureLogs(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    },
  })
  return { logger: pino({ level: 'warn' }, output), lines }
}

/** A server on the test's store, its event streams stored beside the log, its warnings captured. */
async function startCapturedServer(startServer: ServerFactory, store: TestStore) {
  const { logger, lines } = captureLogs()
  const server = await startServer({
    logger,
    compactEveryUpdates: 4,
    streams: { store: await openTestStreamStore(store) },
  })
  return { server, lines }
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url)
  return { status: response.status, body: (await response.json()) as T }
}

/** Appends the update `change` makes to the stored session, as a bug or an older version would; resolves its seq. */
async function writeStraight(log: UpdateLog, sessionId: string, change: (doc: Y.Doc) => void): Promise<number> {
  const { doc } = applyStoredSession(sessionId, await log.load(sessionId))
  const [seq] = await log.append(sessionId, [changeReplica(doc, change).update])
  doc.destroy()
  if (seq === undefined) throw new Error('append returned no seq')
  return seq
}

const list = (doc: Y.Doc, root: 'messages' | 'steering'): Y.Array<unknown> =>
  getSessionRoots(doc)[root] as Y.Array<unknown>

/** The message map with `id`, found by hand: the SDK's reader skips quarantined entries, and this test writes them. */
function messageById(doc: Y.Doc, id: string): Y.Map<unknown> {
  const found = list(doc, 'messages')
    .toArray()
    .find((entry) => entry instanceof Y.Map && entry.get('id') === id)
  if (!(found instanceof Y.Map)) throw new Error(`no message ${id}`)
  return found as Y.Map<unknown>
}

/** An HTTP agent (PROTOCOL.md §9.7); without auth its principal is its producer id. */
const HTTP_PRODUCER = 'py'
/** Where the state of HTTP_PRODUCER is kept in `httpProducers`. */
const HTTP_PRODUCER_KEY = `${HTTP_PRODUCER}\u0000${HTTP_PRODUCER}`

/** Writes one schema-breaking update per shape into `log`; resolves where each quarantined entry is and its seq. */
async function breakTheSession(
  log: UpdateLog,
  sessionId: string,
  ids: { status: string; noId: string },
): Promise<Placed[]> {
  const expected: Placed[] = []
  const write = async (
    change: (doc: Y.Doc) => void,
    ...at: Array<Omit<Placed, 'fromSeq' | 'toSeq'>>
  ): Promise<void> => {
    const seq = await writeStraight(log, sessionId, change)
    for (const place of at) expected.push({ ...place, fromSeq: seq, toSeq: seq })
  }
  // Messages 0–3 are the conversation's; everything pushed lands after them.
  await write(
    (doc) => {
      list(doc, 'messages').push(['a string where a message belongs'])
    },
    { root: 'messages', index: 4, path: [] },
  )
  await write(
    (doc) => {
      list(doc, 'messages').push([42, new Y.Text('text'), new Y.Array()])
    },
    { root: 'messages', index: 5, path: [] },
    { root: 'messages', index: 6, path: [] },
    { root: 'messages', index: 7, path: [] },
  )
  await write(
    (doc) => {
      list(doc, 'messages').push([yMapOf({ id: 'm_bad_parts', role: 'user', author: 'mallory', parts: 'not a list' })])
    },
    { root: 'messages', index: 8, path: ['parts'] },
  )
  await write(
    (doc) => {
      const parts = new Y.Array<unknown>()
      parts.push(['not a map'])
      list(doc, 'messages').push([yMapOf({ id: 'm_bad_part', role: 'user', author: 'mallory', status: 'done', parts })])
    },
    { root: 'messages', index: 9, path: ['parts', 0] },
  )
  await write(
    (doc) => {
      list(doc, 'messages').push([yMapOf({ id: 'm_admin', role: 'admin', author: 'mallory' })])
    },
    { root: 'messages', index: 10, path: ['role'] },
  )
  await write(
    (doc) => {
      messageById(doc, ids.status).set('status', 'archived')
    },
    { root: 'messages', index: 2, path: ['status'] },
  )
  await write(
    (doc) => {
      messageById(doc, ids.noId).delete('id')
    },
    { root: 'messages', index: 3, path: ['id'] },
  )
  await write(
    (doc) => {
      list(doc, 'steering').push(['a steer string', yMapOf({ id: 's_shout', kind: 'shout', author: 'mallory' })])
    },
    { root: 'steering', index: 1, path: [] },
    { root: 'steering', index: 2, path: ['kind'] },
  )
  await write(
    (doc) => {
      ;(getSessionRoots(doc).runs as Y.Map<unknown>).set('run_bad', 'running')
      getSessionRoots(doc).meta.set('title', 12)
      doc.getMap<unknown>('httpProducers').set(HTTP_PRODUCER_KEY, 'garbage')
    },
    { root: 'runs', key: 'run_bad', path: [] },
    { root: 'meta', key: 'title', path: [] },
    { root: 'httpProducers', key: HTTP_PRODUCER_KEY, path: [] },
  )
  return expected.sort(byPlace)
}

/** Checks what a server shows of the session: only the entries that fit, over HTTP, the event stream and the SDK. */
async function expectOnlyFittingEntries(
  server: SessionServer,
  sessionId: string,
  messageIds: readonly string[],
  steerIds: readonly string[],
): Promise<void> {
  const transcript = await getJson<TranscriptView>(`${server.url}${sessionPath(sessionId)}`)
  expect(transcript.status, JSON.stringify(transcript.body)).toBe(200)
  expect(transcript.body.messages.map((message) => message.id)).toEqual(messageIds)
  expect(transcript.body.steering.map((steer) => steer.id)).toEqual(steerIds)
  expect(transcript.body.title).toBe('')
  const events = await readSessionEvents(server.url, sessionId)
  // The stream announces messages in the order they arrived, which concurrent writers may interleave.
  expect(events.flatMap(({ event }) => (event.type === 'message.created' ? [event.messageId] : [])).sort()).toEqual(
    [...messageIds].sort(),
  )
  expect(events.flatMap(({ event }) => (event.type === 'steer' ? [event.steerId] : []))).toEqual(steerIds)
}

function quarantineLogs(lines: ReadonlyArray<Record<string, unknown>>, sessionId: string): Placed[] {
  return lines
    .filter((line) => line.event === 'entry-quarantined' && line.sessionId === sessionId && line.level === 40)
    .map((line) => placed(line as unknown as Placed))
    .sort(byPlace)
}

async function expectMetrics(server: SessionServer, expected: readonly Placed[]): Promise<void> {
  for (const root of ['meta', 'messages', 'steering', 'runs', 'httpProducers']) {
    expect((await metricValue(server.url, undefined, 'lifeline_quarantined_entries_total', { root })) ?? 0, root).toBe(
      expected.filter((entry) => entry.root === root).length,
    )
  }
}

async function expectAudit(server: SessionServer, sessionId: string, expected: readonly Placed[]): Promise<AuditPage> {
  const audit = await getJson<AuditPage>(`${server.url}${sessionAuditPath(sessionId)}?limit=1000`)
  expect(audit.status).toBe(200)
  expect(audit.body.quarantined.map(placed).sort(byPlace)).toEqual(expected)
  return audit.body
}

describe.each(STORE_KINDS)('a stored log with entries that do not fit the schema, on %s', (kind) => {
  const test = testWithStore(kind)

  test('loads and serves the entries that fit, answers, compacts, and reports the rest with their seqs', async ({
    server,
    startServer,
    store,
    sessionId,
    connectClient,
  }) => {
    // A conversation written through a real server.
    const alice = connectClient({ principalId: 'alice' })
    await alice.waitForSynced()
    const [keepOne, keepTwo, status, noId] = ['keep one', 'keep two', 'status', 'no id'].map((text) =>
      alice.sendMessage(text),
    ) as [string, string, string, string]
    const steerId = alice.steer({ kind: 'note', text: 'psst' })
    await alice.waitUntilDurable()
    alice.destroy()
    await server.close()

    // Schema-breaking updates appended straight into the store.
    const log = await store.open()
    const expected = await breakTheSession(log, sessionId, { status, noId })
    const lastBadSeq = Math.max(...expected.map((entry) => entry.toSeq))
    await log.close()

    const first = await startCapturedServer(startServer, store)
    await expectOnlyFittingEntries(first.server, sessionId, [keepOne, keepTwo], [steerId])
    // The event stream loaded the session: the quarantine is logged and counted once.
    await expect.poll(() => quarantineLogs(first.lines, sessionId), { timeout: 5_000 }).toEqual(expected)
    await expectMetrics(first.server, expected)
    const audit = await expectAudit(first.server, sessionId, expected)
    const flagged = audit.entries.filter((entry) => entry.quarantined !== undefined)
    expect(flagged.map((entry) => entry.seq)).toEqual(
      [...new Set(expected.map((entry) => entry.fromSeq))].sort((a, b) => a - b),
    )
    expect(flagged.flatMap((entry) => entry.quarantined ?? []).length).toBe(expected.length)
    const overwrite = expected.find((entry) => entry.root === 'messages' && entry.index === 2)?.fromSeq
    expect(audit.entries.find((entry) => entry.seq === overwrite)?.quarantined).toEqual([
      {
        root: 'messages',
        index: 2,
        id: status,
        path: ['status'],
        reason: expect.stringMatching(/^status must be one of/) as unknown,
      },
    ])

    // An SDK client and an agent: only the entries that fit, and the agent answers the two good questions and a new one.
    const bob: SessionClient = createSessionClient({
      url: first.server.websocketUrl,
      sessionId,
      principalId: 'bob',
      WebSocket: NodeWebSocket,
    })
    const agent: AgentSession = await createAgentSession({
      url: first.server.websocketUrl,
      sessionId,
      agentId: 'agent-1',
      maxBufferChars: 8,
      coalesceMs: 1,
    })
    onTestFinished(() => {
      bob.destroy()
      agent.client.destroy()
    })
    await bob.waitForSynced()
    expect(bob.messages().map((message) => message.id)).toEqual([keepOne, keepTwo])
    const steers: string[] = []
    agent.onSteer((steer) => {
      steers.push(steer.id)
    })
    agent.onUserMessage(async (message) => {
      await agent.startReply({ replyTo: message.id }).pipe(numberedTokens(12))
    })
    const question = bob.sendMessage('and now?')
    const answered = (): string[] =>
      bob
        .messages()
        .filter((message) => message.author === 'agent-1' && message.status === 'done')
        .map((message) => message.replyTo ?? '')
        .sort()
    await expect.poll(answered, { timeout: 20_000 }).toEqual([keepOne, keepTwo, question].sort())
    expect(steers).toEqual([steerId])
    // An HTTP agent whose stored producer state is quarantined starts afresh at seq 0.
    const httpReply = 'm_http_reply'
    const posted = await postSessionCommands(first.server.url, sessionId, {
      producerId: HTTP_PRODUCER,
      epoch: 0,
      seq: 0,
      commands: [
        { type: 'start', messageId: httpReply, replyTo: question },
        { type: 'text', messageId: httpReply, text: 'over HTTP' },
        { type: 'end', messageId: httpReply, status: 'done' },
      ],
    })
    expect(posted.status, await posted.text()).toBe(200)
    await expect
      .poll(() => bob.messages().find((message) => message.id === httpReply)?.text, { timeout: 10_000 })
      .toBe('over HTTP')
    await Promise.all([bob.waitUntilDurable(), agent.client.waitUntilDurable()])
    const conversation = bob.messages().map((message) => message.id)
    const replyTo = (id: string): string | undefined =>
      bob.messages().find((message) => message.author === 'agent-1' && message.replyTo === id)?.id
    // Session order (PROTOCOL.md §11): each question followed by its replies, the HTTP one after the agent's.
    expect(conversation).toEqual([
      keepOne,
      replyTo(keepOne),
      keepTwo,
      replyTo(keepTwo),
      question,
      replyTo(question),
      httpReply,
    ])

    // Compaction folds the broken rows into a snapshot and goes on.
    await expect
      .poll(async () => (await first.server.updateLog.load(sessionId)).snapshotSeq, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(lastBadSeq)
    bob.destroy()
    agent.client.destroy()
    await first.server.close()

    // After a restart: the same views, and the quarantine reported with the snapshot's seq range.
    const second = await startCapturedServer(startServer, store)
    const { snapshotSeq } = await second.server.updateLog.load(sessionId)
    // The HTTP append replaced the quarantined producer state with a good one: quarantine follows the current state.
    const folded = expected
      .filter((entry) => entry.root !== 'httpProducers')
      .map((entry) => ({ ...entry, fromSeq: 1, toSeq: snapshotSeq }))
    await expectOnlyFittingEntries(second.server, sessionId, conversation, [steerId])
    await expect.poll(() => quarantineLogs(second.lines, sessionId), { timeout: 5_000 }).toEqual(folded)
    await expectMetrics(second.server, folded)
    expect(
      (await expectAudit(second.server, sessionId, folded)).entries.some((entry) => entry.quarantined !== undefined),
    ).toBe(false)
  })
})
