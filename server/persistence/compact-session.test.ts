/**
 * compactSession on a real SQLite log and a real PostgreSQL schema: a conversation written through real Y.Docs is folded into a snapshot that
 * reloads to the same transcript and state, and appends that race the compaction are kept.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import { describe, expect, test as base } from 'vitest'
import {
  appendMessage,
  appendText,
  endRun,
  findMessage,
  initializeSession,
  readTranscript,
  setMessageStatus,
  startRun,
} from '../../shared/session/session-doc.ts'
import { compactSession } from './compact-session.ts'
import { applyStoredSession } from './load-session-doc.ts'
import pg from 'pg'
import { createRandomId } from '../../shared/session/session-id.ts'
import { createPostgresUpdateLog } from './postgres-update-log.ts'
import { createSqliteUpdateLog } from './sqlite-update-log.ts'
import type { UpdateLog } from './update-log.ts'

interface CompactFixtures {
  /** Opens another log on this test's storage (fresh per test). */
  openLog: () => Promise<UpdateLog>
  /** A log on that storage, closed on teardown unless the test closed it. */
  log: UpdateLog
}

const POSTGRES_URL = process.env.LIFELINE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test'

/** The fixtures on a fresh SQLite file or a fresh PostgreSQL schema. */
function compactionTest(kind: 'sqlite' | 'postgres') {
  return base.extend<CompactFixtures>({
    // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; it has none
    openLog: async ({}, use) => {
      if (kind === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'lifeline-compact-'))
        await use(async () => createSqliteUpdateLog({ path: join(dir, 'sessions.sqlite') }))
        rmSync(dir, { recursive: true, force: true })
        return
      }
      const schema = `lifeline_compact_${createRandomId(10)}`
      await use(() => createPostgresUpdateLog({ connectionString: POSTGRES_URL, schema }))
      const client = new pg.Client({ connectionString: POSTGRES_URL })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    },
    log: async ({ openLog }, use) => {
      const log = await openLog()
      await log.createSession({ id: SESSION_ID, title: '', createdAt: Date.now() })
      let closed = false
      await use({
        ...log,
        close: async () => {
          closed = true
          await log.close()
        },
      })
      if (!closed) await log.close()
    },
  })
}

const SESSION_ID = 'compact-me'

/** Two peers (user and agent) editing one session; every local update is captured in production order. */
function createConversation() {
  const user = new Y.Doc()
  const agent = new Y.Doc()
  const pending: Uint8Array[] = []
  const relay =
    (from: Y.Doc, to: Y.Doc) =>
    (update: Uint8Array, origin: unknown): void => {
      if (origin === to) return
      pending.push(update)
      Y.applyUpdate(to, update, from)
    }
  user.on('update', relay(user, agent))
  agent.on('update', relay(agent, user))
  return {
    user,
    agent,
    /** Updates produced since the last call. */
    takeUpdates: (): Uint8Array[] => pending.splice(0, pending.length),
  }
}

/** Writes a short conversation with overwrites and deletions, appending its updates to the log in batches. */
async function writeConversation(
  log: UpdateLog,
  conversation: ReturnType<typeof createConversation>,
  turn: number,
): Promise<void> {
  const { user, agent } = conversation
  if (turn === 0) initializeSession(user, { title: 'Compaction', createdAt: 1_000 })
  appendMessage(user, {
    id: `u${turn}`,
    role: 'user',
    author: 'alice',
    status: 'done',
    createdAt: 2_000 + turn,
    text: `question ${turn}`,
  })
  await log.append(SESSION_ID, conversation.takeUpdates())
  startRun(agent, { id: `run${turn}`, agent: 'bot', messageId: `a${turn}`, startedAt: 3_000 + turn })
  const reply = appendMessage(agent, {
    id: `a${turn}`,
    role: 'assistant',
    author: 'bot',
    status: 'streaming',
    createdAt: 3_000 + turn,
    replyTo: `u${turn}`,
    runId: `run${turn}`,
  })
  for (let token = 0; token < 30; token++) {
    appendText(reply, `tok${token} `)
    if (token % 10 === 9) await log.append(SESSION_ID, conversation.takeUpdates())
  }
  appendText(reply, 'thinking…', 'reasoning')
  const parts = reply.get('parts') as Y.Array<Y.Map<unknown>>
  const firstText = parts.get(0).get('text') as Y.Text
  firstText.delete(0, 5) // a deletion, so the delete set must survive compaction
  setMessageStatus(reply, 'done')
  endRun(agent, `run${turn}`, 'done', 4_000 + turn)
  const userMessage = findMessage(user, `u${turn}`)
  if (userMessage === undefined) throw new Error(`message u${turn} missing`)
  setMessageStatus(userMessage, 'done')
  await log.append(SESSION_ID, conversation.takeUpdates())
}

async function reload(log: UpdateLog): Promise<Y.Doc> {
  return applyStoredSession(SESSION_ID, await log.load(SESSION_ID)).doc
}

function expectSameState(actual: Y.Doc, expected: Y.Doc): void {
  expect(readTranscript(SESSION_ID, actual)).toEqual(readTranscript(SESSION_ID, expected))
  expect(Y.decodeStateVector(Y.encodeStateVector(actual))).toEqual(Y.decodeStateVector(Y.encodeStateVector(expected)))
  expect(Y.equalSnapshots(Y.snapshot(actual), Y.snapshot(expected)), 'state vector and delete set are equal').toBe(true)
}

for (const kind of ['sqlite', 'postgres'] as const) {
  const test = compactionTest(kind)
  describe(`compactSession on ${kind}`, () => {
    test('folds the log into a snapshot that reloads to the same transcript and state vector', async ({
      log,
      openLog,
    }) => {
      const conversation = createConversation()
      await writeConversation(log, conversation, 0)
      await writeConversation(log, conversation, 1)
      const before = await log.load(SESSION_ID)
      const lastSeq = before.entries.at(-1)?.seq
      expect(before.entries.length).toBeGreaterThan(4)
      expectSameState(await reload(log), conversation.user)

      const result = await compactSession(log, SESSION_ID)

      const after = await log.load(SESSION_ID)
      expect(result).toEqual({
        uptoSeq: lastSeq,
        foldedEntries: before.entries.length,
        snapshotBytes: after.snapshot?.byteLength,
      })
      expect(after.entries).toEqual([])
      expect(after.snapshotSeq).toBe(lastSeq)
      expect(await log.readSince(SESSION_ID, 0)).toEqual([])
      expectSameState(await reload(log), conversation.user)
      expect(readTranscript(SESSION_ID, await reload(log)).messages.map((message) => message.id)).toEqual([
        'u0',
        'a0',
        'u1',
        'a1',
      ])

      await log.close()
      const reopened = await openLog()
      try {
        expectSameState(await reload(reopened), conversation.user)
      } finally {
        await reopened.close()
      }
    })

    test('keeps an append submitted before compaction resolves, after the folded seqs', async ({ log }) => {
      const conversation = createConversation()
      await writeConversation(log, conversation, 0)
      const reply = findMessage(conversation.agent, 'a0')
      if (reply === undefined) throw new Error('reply missing')
      appendText(reply, ' late token')
      const [late] = conversation.takeUpdates()
      if (late === undefined) throw new Error('no update captured')

      const compaction = compactSession(log, SESSION_ID)
      const raced = log.append(SESSION_ID, [late])
      const [result, seqs] = await Promise.all([compaction, raced])

      expect(result).toBeDefined()
      expect(seqs).toHaveLength(1)
      expect(seqs[0]).toBeGreaterThan(result?.uptoSeq ?? Infinity)
      expect((await log.load(SESSION_ID)).entries.map((entry) => entry.seq)).toEqual(seqs)
      expectSameState(await reload(log), conversation.user)
      expect(readTranscript(SESSION_ID, await reload(log)).messages[1]?.text).toMatch(/ late token$/)
    })

    test('keeps an append committed between its load and its replacePrefix', async ({ log }) => {
      const conversation = createConversation()
      await writeConversation(log, conversation, 0)
      appendMessage(conversation.user, {
        id: 'u-late',
        role: 'user',
        author: 'alice',
        status: 'done',
        createdAt: 9_000,
        text: 'one more',
      })
      const lateUpdates = conversation.takeUpdates()
      let racedSeqs: number[] | undefined
      // Forces the interleaving a slower backend would allow: the append commits after compaction has read the log.
      const interleaved: UpdateLog = {
        ...log,
        replacePrefix: async (sessionId, snapshot, uptoSeq) => {
          racedSeqs = await log.append(SESSION_ID, lateUpdates)
          await log.replacePrefix(sessionId, snapshot, uptoSeq)
        },
      }

      const result = await compactSession(interleaved, SESSION_ID)

      expect(result).toBeDefined()
      expect(racedSeqs?.length).toBe(lateUpdates.length)
      for (const seq of racedSeqs ?? []) expect(seq).toBeGreaterThan(result?.uptoSeq ?? Infinity)
      const stored = await log.load(SESSION_ID)
      expect(stored.snapshotSeq).toBe(result?.uptoSeq)
      expect(stored.entries.map((entry) => entry.seq)).toEqual(racedSeqs)
      const reloaded = await reload(log)
      expectSameState(reloaded, conversation.user)
      expect(findMessage(reloaded, 'u-late')).toBeDefined()
    })

    // Two overlapping compactions (A reads seqs 1..n, an append adds n+1, B folds 1..n+1, then A stores its snapshot
    // covering 1..n): A's older snapshot must not replace B's, or seq n+1 would be lost.
    test('overlapping compactions of one session lose no update', async ({ log }) => {
      const conversation = createConversation()
      await writeConversation(log, conversation, 0)
      let releaseFirst: () => void = () => undefined
      const firstMayWrite = new Promise<void>((resolve) => {
        releaseFirst = resolve
      })
      const slow: UpdateLog = {
        ...log,
        replacePrefix: async (sessionId, snapshot, uptoSeq) => {
          await firstMayWrite
          await log.replacePrefix(sessionId, snapshot, uptoSeq)
        },
      }
      const first = compactSession(slow, SESSION_ID)
      appendMessage(conversation.user, {
        id: 'u-between',
        role: 'user',
        author: 'alice',
        status: 'done',
        createdAt: 9_000,
        text: 'between',
      })
      await log.append(SESSION_ID, conversation.takeUpdates())
      const second = await compactSession(log, SESSION_ID)
      releaseFirst()
      const firstResult = await first
      expect(second?.uptoSeq).toBeGreaterThan(firstResult?.uptoSeq ?? Infinity)

      expect(findMessage(await reload(log), 'u-between'), 'update appended between the compactions').toBeDefined()
      appendMessage(conversation.user, {
        id: 'u-after',
        role: 'user',
        author: 'alice',
        status: 'done',
        createdAt: 9_001,
        text: 'after',
      })
      await log.append(SESSION_ID, conversation.takeUpdates())
      expectSameState(await reload(log), conversation.user)
    })

    test('compacts again after more updates, folding the old snapshot and the new tail', async ({ log }) => {
      const conversation = createConversation()
      await writeConversation(log, conversation, 0)
      const first = await compactSession(log, SESSION_ID)
      await writeConversation(log, conversation, 1)
      const tail = await log.load(SESSION_ID)

      const second = await compactSession(log, SESSION_ID)

      expect(first).toBeDefined()
      expect(second?.uptoSeq).toBe(tail.entries.at(-1)?.seq)
      expect(second?.uptoSeq).toBeGreaterThan(first?.uptoSeq ?? Infinity)
      expect(second?.foldedEntries).toBe(tail.entries.length)
      expect((await log.load(SESSION_ID)).entries).toEqual([])
      expectSameState(await reload(log), conversation.user)
      expect(await compactSession(log, SESSION_ID)).toBeUndefined()
    })

    test('resolves undefined when there is nothing to fold', async ({ log }) => {
      expect(await compactSession(log, 'never-written')).toBeUndefined()
      expect(await log.load('never-written')).toEqual({ snapshot: undefined, snapshotSeq: 0, entries: [] })

      const conversation = createConversation()
      await writeConversation(log, conversation, 0)
      expect(await compactSession(log, SESSION_ID)).toBeDefined()
      const compacted = await log.load(SESSION_ID)
      expect(await compactSession(log, SESSION_ID)).toBeUndefined()
      expect(await log.load(SESSION_ID)).toEqual(compacted)
    })
  })
}
