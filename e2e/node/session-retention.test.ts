/**
 * Session retention (PROTOCOL.md §13) on a real server: a finished session is archived (JSON lines files on SQLite,
 * an archive table on PostgreSQL) once idle for `archiveAfterSeconds`, and erased through the DELETE path once idle
 * for `deleteAfterSeconds`, with a security event, log lines and metrics. The sweep's clock is injected: each test
 * sets it relative to the session's stored `updatedAt`, so nothing depends on the wall clock. A sweep removes the
 * temporary files crashed archive writes left; an owner's DELETE during the sweep's archive write leaves no copy.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect } from 'vitest'
import { createAgentSession } from '../../client/agent/agent-session.ts'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createSessionClient } from '../../client/core/session-client.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import type { SessionServer, SessionServerOptions } from '../../server/session-server.ts'
import type { SessionArchiveTarget } from '../../server/retention/session-retention-options.ts'
import { archiveLockKey } from '../../server/retention/postgres-session-archive.ts'
import { captureLogs } from '../testing/capture-logs.ts'
import { type ServerFactory, testWithStore } from '../testing/fixtures.ts'
import { scrapeMetrics } from '../testing/scrape-metrics.ts'
import { STORE_KINDS, TEST_POSTGRES_URL, type TestStore } from '../testing/test-store.ts'

const MINUTE_MS = 60_000

/** An archive target of the test's kind, with a way to read what it holds and to break it for a while. */
interface TestArchive {
  readonly target: SessionArchiveTarget
  /** The session's archived lines, or undefined when the archive holds none. */
  read(sessionId: string): Promise<Array<Record<string, unknown>> | undefined>
  /** Makes every write fail until {@link TestArchive.repair}. */
  break(): Promise<void>
  repair(): Promise<void>
}

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function testArchive(store: TestStore): TestArchive {
  if (store.kind === 'sqlite') {
    const root = mkdtempSync(join(tmpdir(), 'lifeline-archive-'))
    cleanups.push(() => rmSync(root, { recursive: true, force: true }))
    const dir = join(root, 'archive')
    return {
      target: { kind: 'jsonl', dir },
      async read(sessionId) {
        try {
          const text = readFileSync(join(dir, `${sessionId}.jsonl`), 'utf8')
          return text
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
          throw error
        }
      },
      async break() {
        // A file where the directory should be: unwritable whoever runs the test (root included).
        rmSync(dir, { recursive: true, force: true })
        writeFileSync(dir, 'not a directory')
      },
      async repair() {
        rmSync(dir, { force: true })
        mkdirSync(dir)
      },
    }
  }
  const schema = store.location
  const query = async (sql: string): Promise<pg.QueryResult> => {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL })
    await client.connect()
    try {
      return await client.query(sql)
    } finally {
      await client.end()
    }
  }
  return {
    target: { kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema, table: 'retained' },
    async read(sessionId) {
      const { rows } = await query(
        `SELECT body FROM "${schema}".retained WHERE session_id = '${sessionId}' ORDER BY line`,
      )
      return rows.length === 0 ? undefined : rows.map((row: { body: Record<string, unknown> }) => row.body)
    },
    async break() {
      await query(`ALTER TABLE "${schema}".retained RENAME TO retained_away`)
    },
    async repair() {
      await query(`ALTER TABLE "${schema}".retained_away RENAME TO retained`)
    },
  }
}

/** A server whose sweep reads `clock.now`; the timer never fires during a test (sweeps are run by hand). */
function retentionOptions(
  archive: TestArchive,
  clock: { now: number },
  periods: { archiveAfterSeconds?: number; deleteAfterSeconds?: number },
  pageSize?: number,
): Partial<SessionServerOptions> {
  return {
    retention: {
      default: periods,
      archive: archive.target,
      sweepEveryMs: 60 * MINUTE_MS,
      now: () => clock.now,
      ...(pageSize === undefined ? {} : { pageSize }),
    },
  }
}

/** The test's archive, a clock at 0 and a server sweeping with them under `periods`, logging to `logs`. */
async function startRetention(
  { store, startServer }: { store: TestStore; startServer: ServerFactory },
  periods: { archiveAfterSeconds?: number; deleteAfterSeconds?: number },
  overrides: Partial<SessionServerOptions> = {},
  pageSize?: number,
) {
  const archive = testArchive(store)
  const clock = { now: 0 }
  const logs = captureLogs()
  const server = await startServer({
    ...retentionOptions(archive, clock, periods, pageSize),
    logger: logs.logger,
    ...overrides,
  })
  return { archive, clock, logs, server }
}

describe.each(STORE_KINDS)('session retention on %s', (kind) => {
  const test = testWithStore(kind)

  test('archives a finished session, then erases it on expiry through the DELETE path, audited', async ({
    store,
    startServer,
    sessionId,
  }) => {
    const { archive, clock, logs, server } = await startRetention(
      { store, startServer },
      { archiveAfterSeconds: 60, deleteAfterSeconds: 120 },
    )
    const created = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      body: JSON.stringify({ id: sessionId, title: 'Kept a while' }),
    })
    expect(created.status).toBe(201)
    const user = createSessionClient({
      url: server.websocketUrl,
      sessionId,
      principalId: 'ada',
      WebSocket: NodeWebSocket,
    })
    const agent = await createAgentSession({ url: server.websocketUrl, sessionId, agentId: 'agent-1' })
    try {
      const questionId = user.sendMessage('what is kept?')
      await expect(agent.startReply({ replyTo: questionId }).pipe(toTokens(['The ', 'archive.']))).resolves.toBe('done')
      user.steer({ kind: 'note', text: 'keep it short' })
      await user.waitUntilDurable()
      await expect.poll(() => user.messages().map((message) => message.status)).toEqual(['done', 'done'])
      agent.client.destroy()
      const errors: SessionError[] = []
      user.on('error', (error) => {
        errors.push(error)
      })
      const updatedAt = (await server.updateLog.getSession(sessionId))?.updatedAt ?? Number.NaN

      clock.now = updatedAt + 59_999
      expect(await server.retention?.sweep()).toMatchObject({ archived: [], deleted: [], failed: [] })
      expect(await archive.read(sessionId)).toBeUndefined()

      clock.now = updatedAt + 60_000
      expect(await server.retention?.sweep()).toMatchObject({ archived: [sessionId], deleted: [], failed: [] })
      const lines = await archive.read(sessionId)
      expect(lines?.[0]).toEqual({
        type: 'session',
        id: sessionId,
        title: 'Kept a while',
        owner: null,
        createdAt: expect.any(Number),
        updatedAt,
        archivedAt: updatedAt + 60_000,
        schema: 1,
      })
      expect(lines?.slice(1).map((line) => [line.type, line.role ?? line.kind, line.author, line.text])).toEqual([
        ['message', 'user', 'ada', 'what is kept?'],
        ['message', 'assistant', 'agent-1', 'The archive.'],
        ['steer', 'note', 'ada', 'keep it short'],
        ['run', undefined, undefined, undefined],
      ])
      expect(lines?.[2]).toMatchObject({ status: 'done', replyTo: questionId, createdAt: expect.any(Number) })
      expect(await server.updateLog.getSession(sessionId)).toBeDefined()

      // The archive holds this version: the next sweep writes nothing.
      expect(await server.retention?.sweep()).toMatchObject({ archived: [], deleted: [] })

      clock.now = updatedAt + 120_000
      expect(await server.retention?.sweep()).toMatchObject({ archived: [], deleted: [sessionId], failed: [] })
      expect(await server.updateLog.getSession(sessionId)).toBeUndefined()
      expect((await fetch(`${server.url}/v1/sessions/${sessionId}`)).status).toBe(404)
      await expect.poll(() => user.status, { timeout: 10_000 }).toBe('failed')
      expect(errors.map((error) => error.code)).toEqual(['SESSION_DELETED'])
      expect(await archive.read(sessionId)).toEqual(lines)

      expect(logs.linesFor(sessionId, 'retention-archived')).toHaveLength(1)
      expect(logs.linesFor(sessionId, 'retention-deleted')).toHaveLength(1)
      expect(logs.linesFor(sessionId, 'session-deleted')).toEqual([
        expect.objectContaining({
          principalId: 'retention',
          action: 'expire',
          outcome: 'allowed',
          code: 'SESSION_DELETED',
        }),
      ])
      const { samples } = await scrapeMetrics(server.url)
      expect(samples.value('lifeline_retention_archived_total')).toBe(1)
      expect(samples.value('lifeline_retention_deleted_total')).toBe(1)
      expect(samples.value('lifeline_retention_failures_total')).toBe(0)
      expect(samples.value('lifeline_destructive_actions_total', { action: 'expire', outcome: 'allowed' })).toBe(1)
    } finally {
      agent.client.destroy()
      user.destroy()
    }
  })

  test('a session with a reply still streaming is not finished until the run lease has passed', async ({
    store,
    startServer,
  }) => {
    const { archive, clock, server } = await startRetention(
      { store, startServer },
      { archiveAfterSeconds: 10 },
      { runLeaseMs: MINUTE_MS },
    )
    const done = await createAgentSession({ url: server.websocketUrl, sessionId: 'retention-done', agentId: 'agent-1' })
    const open = await createAgentSession({ url: server.websocketUrl, sessionId: 'retention-open', agentId: 'agent-1' })
    try {
      await expect(done.startReply().pipe(toTokens(['finished']))).resolves.toBe('done')
      const writer = open.startReply()
      writer.append('still writing')
      writer.flush()
      await open.client.waitUntilDurable()
      await done.client.waitUntilDurable()
      const newest = async (): Promise<number> =>
        Math.max(
          ...(await Promise.all(
            ['retention-done', 'retention-open'].map(
              async (id) => (await server.updateLog.getSession(id))?.updatedAt ?? Number.NaN,
            ),
          )),
        )

      clock.now = (await newest()) + 30_000
      expect((await server.retention?.sweep())?.archived).toEqual(['retention-done'])
      expect(await archive.read('retention-open')).toBeUndefined()

      // The agent is gone for good: its reply stays open, but no write came for longer than the lease.
      open.client.destroy()
      clock.now = (await newest()) + MINUTE_MS
      expect((await server.retention?.sweep())?.archived).toEqual(['retention-open'])
      expect((await archive.read('retention-open'))?.find((line) => line.type === 'message')).toMatchObject({
        status: 'streaming',
        text: 'still writing',
      })
    } finally {
      done.client.destroy()
      open.client.destroy()
    }
  })

  test('a session created with its own periods expires by them; bad periods are refused', async ({
    store,
    startServer,
  }) => {
    const { archive, clock, server } = await startRetention({ store, startServer }, { deleteAfterSeconds: 3600 })
    const create = (body: unknown): Promise<Response> =>
      fetch(`${server.url}/v1/sessions`, { method: 'POST', body: JSON.stringify(body) })
    const shortLived = await create({ id: 'retention-short', retention: { deleteAfterSeconds: 5 } })
    expect(shortLived.status).toBe(201)
    expect(await shortLived.json()).toMatchObject({ id: 'retention-short', retention: { deleteAfterSeconds: 5 } })
    const audit = (await (await fetch(`${server.url}/v1/sessions/retention-short/audit`)).json()) as {
      entries: Array<{ principal: string; summary: Record<string, string[]> }>
    }
    expect(await (await fetch(`${server.url}/v1/sessions/retention-short`)).json()).toMatchObject({
      retention: { deleteAfterSeconds: 5 },
    })
    expect(audit.entries).toContainEqual(
      expect.objectContaining({ principal: 'anonymous', summary: { meta: ['retention'] } }),
    )
    expect((await create({ id: 'retention-default' })).status).toBe(201)
    const refused = await create({ id: 'retention-bad', retention: { deleteAfterSeconds: -1 } })
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({
      error: { code: 'BAD_REQUEST', details: { field: 'retention.deleteAfterSeconds' } },
    })
    expect((await create({ id: 'retention-bad', retention: { keepForever: true } })).status).toBe(400)
    expect(await server.updateLog.getSession('retention-bad')).toBeUndefined()

    const updatedAt = Math.max(
      (await server.updateLog.getSession('retention-short'))?.updatedAt ?? Number.NaN,
      (await server.updateLog.getSession('retention-default'))?.updatedAt ?? Number.NaN,
    )
    clock.now = updatedAt + 5_000
    expect(await server.retention?.sweep()).toMatchObject({
      archived: ['retention-short'],
      deleted: ['retention-short'],
    })
    expect(await server.updateLog.getSession('retention-short')).toBeUndefined()
    expect(await server.updateLog.getSession('retention-default')).toBeDefined()
    expect((await archive.read('retention-short'))?.[0]).toMatchObject({ type: 'session', id: 'retention-short' })
    clock.now = updatedAt + 3_600_000
    expect((await server.retention?.sweep())?.deleted).toEqual(['retention-default'])
  })

  test('a failed archive keeps the session, and the next sweep archives and erases it', async ({
    store,
    startServer,
  }) => {
    const { archive, clock, logs, server } = await startRetention({ store, startServer }, { deleteAfterSeconds: 60 })
    expect((await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: '{"id":"retention-kept"}' })).status).toBe(
      201,
    )
    const updatedAt = (await server.updateLog.getSession('retention-kept'))?.updatedAt ?? Number.NaN
    await archive.break()
    clock.now = updatedAt + MINUTE_MS
    expect(await server.retention?.sweep()).toMatchObject({ archived: [], deleted: [], failed: ['retention-kept'] })
    expect(await server.updateLog.getSession('retention-kept')).toBeDefined()
    expect(logs.linesFor('retention-kept', 'retention-archive-failed')).toHaveLength(1)
    expect((await scrapeMetrics(server.url)).samples.value('lifeline_retention_failures_total')).toBe(1)

    await archive.repair()
    expect(await server.retention?.sweep()).toMatchObject({
      archived: ['retention-kept'],
      deleted: ['retention-kept'],
      failed: [],
    })
    expect(await server.updateLog.getSession('retention-kept')).toBeUndefined()
    expect(await archive.read('retention-kept')).toHaveLength(1)
  })

  test('a restart between the archive and the deletion neither loses nor rewrites the archive', async ({
    store,
    startServer,
  }) => {
    const archive = testArchive(store)
    const clock = { now: 0 }
    const periods = { archiveAfterSeconds: 60, deleteAfterSeconds: 120 }
    const first = await startServer(retentionOptions(archive, clock, periods))
    expect(
      (await fetch(`${first.url}/v1/sessions`, { method: 'POST', body: '{"id":"retention-restart"}' })).status,
    ).toBe(201)
    const updatedAt = (await first.updateLog.getSession('retention-restart'))?.updatedAt ?? Number.NaN
    clock.now = updatedAt + 90_000
    expect((await first.retention?.sweep())?.archived).toEqual(['retention-restart'])
    const archived = await archive.read('retention-restart')
    await first.close()

    clock.now = updatedAt + 150_000
    const second = await startServer(retentionOptions(archive, clock, periods))
    expect(await second.retention?.sweep()).toMatchObject({ archived: [], deleted: ['retention-restart'] })
    expect(await second.updateLog.getSession('retention-restart')).toBeUndefined()
    expect(await archive.read('retention-restart')).toEqual(archived)
    expect(archived?.[0]).toMatchObject({ archivedAt: updatedAt + 90_000 })
  })

  test('one sweep pages through every idle session', async ({ store, startServer }) => {
    const { clock, server } = await startRetention({ store, startServer }, { deleteAfterSeconds: 60 }, {}, 2)
    const ids = ['retention-p1', 'retention-p2', 'retention-p3', 'retention-p4', 'retention-p5']
    for (const id of ids) {
      expect((await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: JSON.stringify({ id }) })).status).toBe(
        201,
      )
    }
    const newest = (await server.updateLog.listSessions({ limit: 1 }))[0]?.updatedAt ?? Number.NaN
    clock.now = newest + MINUTE_MS
    const report = await server.retention?.sweep()
    expect(report?.examined).toBe(5)
    expect([...(report?.deleted ?? [])].sort()).toEqual(ids)
    expect(await server.updateLog.listSessions()).toEqual([])
  })

  test("an owner's DELETE erases the archived copy too", async ({ store, startServer }) => {
    const { archive, clock, server } = await startRetention({ store, startServer }, { archiveAfterSeconds: 60 })
    expect(
      (await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: '{"id":"retention-owned"}' })).status,
    ).toBe(201)
    clock.now = ((await server.updateLog.getSession('retention-owned'))?.updatedAt ?? Number.NaN) + MINUTE_MS
    expect((await server.retention?.sweep())?.archived).toEqual(['retention-owned'])
    expect(await archive.read('retention-owned')).toBeDefined()
    expect((await fetch(`${server.url}/v1/sessions/retention-owned`, { method: 'DELETE' })).status).toBe(204)
    expect(await archive.read('retention-owned')).toBeUndefined()
    expect(await server.updateLog.getSession('retention-owned')).toBeUndefined()
  })
})

/**
 * A server archiving after a minute, sweeping by hand with its own clock, and the session `id` created on it; the
 * clock stands a minute past the session's last write, so the next sweep archives it.
 */
async function startArchiving(
  fixtures: { store: TestStore; startServer: ServerFactory },
  id: string,
): Promise<{ archive: TestArchive; logs: ReturnType<typeof captureLogs>; server: SessionServer; nowMs: number }> {
  const { archive, clock, logs, server } = await startRetention(fixtures, { archiveAfterSeconds: 60 })
  expect((await fetch(`${server.url}/v1/sessions`, { method: 'POST', body: JSON.stringify({ id }) })).status).toBe(201)
  clock.now = ((await server.updateLog.getSession(id))?.updatedAt ?? Number.NaN) + MINUTE_MS
  return { archive, logs, server, nowMs: clock.now }
}

describe('session retention with a JSON lines archive', () => {
  const test = testWithStore('sqlite')

  test('a sweep removes the temporary files of writes that crashed, and keeps those a write may still use', async ({
    store,
    startServer,
  }) => {
    const { archive, logs, server, nowMs } = await startArchiving({ store, startServer }, 'retention-crash')
    if (archive.target.kind !== 'jsonl') throw new Error('a JSON lines archive was expected')
    const { dir } = archive.target
    // What a crash between creating the temporary file and renaming it leaves, two hours ago and a second ago.
    mkdirSync(dir, { recursive: true })
    const file = (name: string, ageMs: number): string => {
      const path = join(dir, name)
      writeFileSync(path, '{"type":"session"')
      const at = (nowMs - ageMs) / 1000
      utimesSync(path, at, at)
      return path
    }
    const crashed = file('retention-crash.jsonl.k3v9q0a1.tmp', 120 * MINUTE_MS)
    const writing = file('retention-other.jsonl.a8b7c6d5.tmp', 1000)
    const unrelated = file('notes.tmp', 120 * MINUTE_MS)

    expect((await server.retention?.sweep())?.archived).toEqual(['retention-crash'])
    expect(existsSync(crashed)).toBe(false)
    expect(existsSync(writing)).toBe(true)
    expect(existsSync(unrelated)).toBe(true)
    expect(await archive.read('retention-crash')).toHaveLength(1)
    expect(logs.lines.filter((line) => line.event === 'retention-temporary-removed')).toEqual([
      expect.objectContaining({ archive: 'jsonl', removed: 1 }),
    ])
  })
})

describe("session retention and an owner's DELETE on PostgreSQL", () => {
  const test = testWithStore('postgres')

  test("a DELETE while the sweep writes the session's archive waits for it and leaves no copy", async ({
    store,
    startServer,
  }) => {
    const id = 'retention-racing'
    const { archive, server } = await startArchiving({ store, startServer }, id)
    // The archive writes a session under this advisory lock: holding it stops the sweep inside its write.
    const lockKey = archiveLockKey(store.location, id)
    const holder = new pg.Client({ connectionString: TEST_POSTGRES_URL })
    await holder.connect()
    try {
      await holder.query('BEGIN')
      await holder.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey])
      const sweep = server.retention?.sweep()
      const waiting = async () =>
        (
          await holder.query(
            `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
             AND objid::text::bigint = (hashtext($1)::bigint & 4294967295)`,
            [lockKey],
          )
        ).rowCount
      await expect.poll(waiting).toBe(1)
      const deleted = fetch(`${server.url}/v1/sessions/${id}`, { method: 'DELETE' })
      await expect.poll(() => server.updateLog.getSession(id)).toBeUndefined()
      await holder.query('COMMIT')
      expect((await deleted).status).toBe(204)
      expect((await sweep)?.archived).toEqual([id])
    } finally {
      await holder.end()
    }
    expect(await archive.read(id)).toBeUndefined()
  })
})

describe('session retention on several nodes sharing PostgreSQL', () => {
  const test = testWithStore('postgres')

  test('two nodes sweeping at once archive the session once and erase it', async ({ store, startServer }) => {
    const archive = testArchive(store)
    const clock = { now: 0 }
    const options: Partial<SessionServerOptions> = {
      retention: { default: { deleteAfterSeconds: 60 }, archive: archive.target, now: () => clock.now },
    }
    const [one, two] = await Promise.all([startServer(options), startServer(options)])
    if (one === undefined || two === undefined) throw new Error('two servers expected')
    const ids = ['retention-n1', 'retention-n2', 'retention-n3']
    for (const id of ids) {
      expect((await fetch(`${one.url}/v1/sessions`, { method: 'POST', body: JSON.stringify({ id }) })).status).toBe(201)
    }
    const newest = (await one.updateLog.listSessions({ limit: 1 }))[0]?.updatedAt ?? Number.NaN
    clock.now = newest + MINUTE_MS
    const reports = await Promise.all([one.retention?.sweep(), two.retention?.sweep()])
    expect(reports.flatMap((report) => report?.failed ?? [])).toEqual([])
    expect(reports.flatMap((report) => report?.archived ?? []).sort()).toEqual(ids)
    expect(new Set(reports.flatMap((report) => report?.deleted ?? []))).toEqual(new Set(ids))
    expect(await one.updateLog.listSessions()).toEqual([])
    for (const id of ids) expect((await archive.read(id))?.[0]).toMatchObject({ type: 'session', id })
  })
})

async function* toTokens(tokens: readonly string[]): AsyncIterable<string> {
  yield* tokens
}
