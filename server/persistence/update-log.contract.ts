/**
 * UpdateLog contract suite: the behaviour every storage backend must have (seqs, ordering, group commit,
 * snapshots, session records, exact bytes, audit rows, erasure, persistence across close and reopen). Run it from
 * each backend's test. Appends need the session's record, so tests create their sessions first (`create`).
 */
import { describe, expect, test as base, vi } from 'vitest'
import { MAX_AUDIT_PAGE, SERVER_WRITE_ORIGIN, type LogEntry, type UpdateLog, type WriteOrigin } from './update-log.ts'

/** Opens the storage behind `closed` (already closed) again, as a restarted process would. */
export type ReopenUpdateLog = (closed: UpdateLog) => Promise<UpdateLog>

interface ContractFixtures {
  /** A log on fresh, empty storage; closed on teardown unless the test closed it with `closeLog`. */
  log: UpdateLog
  /** Closes a log once; teardown skips logs closed this way. */
  closeLog: (log: UpdateLog) => Promise<void>
  /** Reopens a closed log's storage; the reopened log is closed on teardown. */
  reopen: (closed: UpdateLog) => Promise<UpdateLog>
}

/**
 * Defines the contract tests for one backend.
 * @param createLog opens a log on fresh, empty storage (called once per test)
 * @param reopenLog opens the same storage as a closed log
 */
export function describeUpdateLogContract(
  name: string,
  createLog: () => Promise<UpdateLog>,
  reopenLog: ReopenUpdateLog,
): void {
  const test = base.extend<ContractFixtures>({
    // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; it has none
    closeLog: async ({}, use) => {
      const closed = new WeakSet<UpdateLog>()
      await use(async (log) => {
        if (closed.has(log)) return
        closed.add(log)
        await log.close()
      })
    },
    log: async ({ closeLog }, use) => {
      const log = await createLog()
      await use(log)
      await closeLog(log)
    },
    reopen: async ({ closeLog }, use) => {
      const opened: UpdateLog[] = []
      await use(async (closed) => {
        const log = await reopenLog(closed)
        opened.push(log)
        return log
      })
      for (const log of opened) await closeLog(log)
    },
  })

  describe(`UpdateLog contract: ${name}`, () => {
    describe('append', () => {
      test('returns seqs 1, 2, 3… in append order within a session', async ({ log }) => {
        await create(log, 's1')
        expect(await log.append('s1', [bytes(1)])).toEqual([1])
        expect(await log.append('s1', [bytes(2), bytes(3)])).toEqual([2, 3])
        expect(await log.append('s1', [bytes(4)])).toEqual([4])
      })

      test('numbers each session independently', async ({ log }) => {
        await create(log, 'a', 'b')
        expect(await log.append('a', [bytes(1), bytes(2)])).toEqual([1, 2])
        expect(await log.append('b', [bytes(3)])).toEqual([1])
        expect(await log.append('a', [bytes(4)])).toEqual([3])
        expect(await log.append('b', [bytes(5)])).toEqual([2])
      })

      test('gives concurrent appends from many sessions in one tick distinct contiguous seqs', async ({ log }) => {
        const sessionCount = 20
        const appendsPerSession = 5
        await create(log, ...range(0, sessionCount - 1).map((session) => `session-${session}`))
        const calls: Array<{ sessionId: string; index: number; result: Promise<number[]> }> = []
        for (let index = 0; index < appendsPerSession; index++) {
          for (let session = 0; session < sessionCount; session++) {
            const sessionId = `session-${session}`
            // Every other call carries two updates, so batches mix sizes.
            const updates =
              index % 2 === 0 ? [bytes(session, index)] : [bytes(session, index, 0), bytes(session, index, 1)]
            calls.push({ sessionId, index, result: log.append(sessionId, updates) })
          }
        }
        const results = await Promise.all(calls.map((call) => call.result))
        for (let session = 0; session < sessionCount; session++) {
          const sessionId = `session-${session}`
          const seqs = calls.flatMap((call, position) =>
            call.sessionId === sessionId ? (results[position] ?? []) : [],
          )
          const total = seqs.length
          expect(seqs, sessionId).toEqual(range(1, total))
          const loaded = await log.load(sessionId)
          expect(
            loaded.entries.map((entry) => entry.seq),
            sessionId,
          ).toEqual(range(1, total))
          const expectedBytes = calls
            .filter((call) => call.sessionId === sessionId)
            .flatMap((call) =>
              call.index % 2 === 0
                ? [bytes(session, call.index)]
                : [bytes(session, call.index, 0), bytes(session, call.index, 1)],
            )
          expectEntryBytes(loaded.entries, expectedBytes)
        }
      })

      test('keeps bytes exactly, including an empty and a 1 MB update', async ({ log }) => {
        const large = new Uint8Array(1024 * 1024)
        for (let index = 0; index < large.length; index++) large[index] = (index * 31 + 7) & 0xff
        const updates = [new Uint8Array(0), bytes(0, 255, 128, 0), large, new Uint8Array(0)]
        await create(log, 'bytes')
        expect(await log.append('bytes', updates)).toEqual([1, 2, 3, 4])
        const loaded = await log.load('bytes')
        expectEntryBytes(loaded.entries, updates)
        expectEntryBytes(await log.readSince('bytes', 0), updates)
      })

      test('stores only the viewed range of a Uint8Array that is a view into a larger buffer', async ({ log }) => {
        const backing = bytes(9, 9, 1, 2, 3, 9, 9)
        await create(log, 'view')
        await log.append('view', [backing.subarray(2, 5)])
        const loaded = await log.load('view')
        expectEntryBytes(loaded.entries, [bytes(1, 2, 3)])
      })

      test("stores a copy: changing the caller's array after append resolves changes nothing", async ({ log }) => {
        const update = bytes(1, 2, 3)
        await create(log, 'copy')
        await log.append('copy', [update])
        update.fill(0)
        expectEntryBytes((await log.load('copy')).entries, [bytes(1, 2, 3)])
      })
    })

    describe('load', () => {
      test('returns an empty session for an unknown id', async ({ log }) => {
        expect(await log.load('unknown')).toEqual({ snapshot: undefined, snapshotSeq: 0, entries: [] })
      })

      test('returns entries in seq order with snapshotSeq 0 and no snapshot before any compaction', async ({ log }) => {
        const updates = [bytes(1), bytes(2), bytes(3), bytes(4)]
        await create(log, 's')
        await log.append('s', updates.slice(0, 2))
        await log.append('s', updates.slice(2))
        const loaded = await log.load('s')
        expect(loaded.snapshot).toBeUndefined()
        expect(loaded.snapshotSeq).toBe(0)
        expect(loaded.entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4])
        expectEntryBytes(loaded.entries, updates)
      })
    })

    describe('readSince', () => {
      test('returns only entries newer than afterSeq, in order', async ({ log }) => {
        const updates = [bytes(1), bytes(2), bytes(3), bytes(4), bytes(5)]
        await create(log, 's')
        await log.append('s', updates)
        expectEntryBytes(await log.readSince('s', 0), updates)
        const since2 = await log.readSince('s', 2)
        expect(since2.map((entry) => entry.seq)).toEqual([3, 4, 5])
        expectEntryBytes(since2, updates.slice(2))
        expect(await log.readSince('s', 5)).toEqual([])
        expect(await log.readSince('s', 99)).toEqual([])
        expect(await log.readSince('unknown', 0)).toEqual([])
      })

      test('returns nothing folded into a snapshot, even for an older afterSeq', async ({ log }) => {
        await create(log, 's')
        await log.append('s', [bytes(1), bytes(2), bytes(3), bytes(4)])
        await log.replacePrefix('s', bytes(100), 3)
        expect((await log.readSince('s', 0)).map((entry) => entry.seq)).toEqual([4])
        expect((await log.readSince('s', 3)).map((entry) => entry.seq)).toEqual([4])
        expect(await log.readSince('s', 4)).toEqual([])
      })
    })

    describe('replacePrefix', () => {
      test('makes load return the snapshot and only entries after uptoSeq', async ({ log }) => {
        const updates = [bytes(1), bytes(2), bytes(3), bytes(4), bytes(5)]
        await create(log, 's')
        await log.append('s', updates)
        const snapshot = bytes(42, 43, 44)
        await log.replacePrefix('s', snapshot, 3)
        const loaded = await log.load('s')
        expectBytes(loaded.snapshot, snapshot, 'snapshot')
        expect(loaded.snapshotSeq).toBe(3)
        expect(loaded.entries.map((entry) => entry.seq)).toEqual([4, 5])
        expectEntryBytes(loaded.entries, updates.slice(3))
      })

      test('later appends continue after the highest seq, even when the whole log was folded', async ({ log }) => {
        await create(log, 's')
        await log.append('s', [bytes(1), bytes(2), bytes(3)])
        await log.replacePrefix('s', bytes(10), 2)
        expect(await log.append('s', [bytes(4)])).toEqual([4])
        await log.replacePrefix('s', bytes(11), 4)
        const folded = await log.load('s')
        expect(folded.snapshotSeq).toBe(4)
        expect(folded.entries).toEqual([])
        expectBytes(folded.snapshot, bytes(11), 'second snapshot')
        expect(await log.append('s', [bytes(5)])).toEqual([5])
        expect((await log.load('s')).entries.map((entry) => entry.seq)).toEqual([5])
      })

      test('leaves other sessions untouched', async ({ log }) => {
        await create(log, 'a', 'b')
        await log.append('a', [bytes(1), bytes(2)])
        await log.append('b', [bytes(3), bytes(4)])
        await log.replacePrefix('a', bytes(9), 2)
        const other = await log.load('b')
        expect(other.snapshot).toBeUndefined()
        expect(other.snapshotSeq).toBe(0)
        expectEntryBytes(other.entries, [bytes(3), bytes(4)])
      })
    })

    describe('session records', () => {
      test('createSession returns true for a new session and false for an existing one', async ({ log }) => {
        expect(await log.createSession({ id: 's', title: 'First', createdAt: 1_000 })).toBe(true)
        expect(await log.createSession({ id: 's', title: 'Second', createdAt: 2_000 })).toBe(false)
        const record = await log.getSession('s')
        expect(record).toMatchObject({ id: 's', title: 'First', createdAt: 1_000 })
        expect(typeof record?.updatedAt).toBe('number')
      })

      test('setSessionTitle replaces the listed title of a created session only', async ({ log }) => {
        await log.createSession({ id: 'renamed', title: 'Before', createdAt: 1_000, owner: 'alice' })
        expect(await log.setSessionTitle('renamed', 'After')).toBe(true)
        expect(await log.getSession('renamed')).toMatchObject({ id: 'renamed', title: 'After', owner: 'alice' })
        expect((await log.listSessions()).map((record) => record.title)).toEqual(['After'])
        expect(await log.setSessionTitle('never-created', 'Nothing')).toBe(false)
        expect(await log.getSession('never-created')).toBeUndefined()
      })

      test('stores the owner given to createSession, null by default, and returns it from getSession and listSessions', async ({
        log,
      }) => {
        expect(await log.createSession({ id: 'owned', title: '', createdAt: 1_000, owner: 'alice' })).toBe(true)
        expect(await log.createSession({ id: 'ownerless', title: '', createdAt: 2_000, owner: null })).toBe(true)
        expect(await log.createSession({ id: 'unsaid', title: '', createdAt: 3_000 })).toBe(true)
        expect(await log.getSession('owned')).toMatchObject({ id: 'owned', owner: 'alice' })
        expect(await log.getSession('ownerless')).toMatchObject({ id: 'ownerless', owner: null })
        expect(await log.getSession('unsaid')).toMatchObject({ id: 'unsaid', owner: null })
        expect((await log.listSessions()).map((record) => [record.id, record.owner])).toEqual([
          ['unsaid', null],
          ['ownerless', null],
          ['owned', 'alice'],
        ])
      })

      test('createSession of an existing session keeps its first owner', async ({ log }) => {
        expect(await log.createSession({ id: 's', title: '', createdAt: 1_000, owner: 'alice' })).toBe(true)
        expect(await log.createSession({ id: 's', title: '', createdAt: 2_000, owner: 'mallory' })).toBe(false)
        expect(await log.createSession({ id: 's', title: '', createdAt: 3_000 })).toBe(false)
        await log.append('s', [bytes(1)], USER_ORIGIN)
        expect(await log.getSession('s')).toMatchObject({ owner: 'alice' })
      })

      test('getSession returns undefined for a session never created', async ({ log }) => {
        expect(await log.getSession('missing')).toBeUndefined()
      })

      test('append refuses a session without a record, and creates none', async ({ log }) => {
        await expect(log.append('missing', [bytes(1)])).rejects.toMatchObject({
          code: 'SESSION_NOT_FOUND',
          details: { sessionId: 'missing' },
        })
        expect(await log.getSession('missing')).toBeUndefined()
        expect(await log.load('missing')).toEqual({ snapshot: undefined, snapshotSeq: 0, entries: [] })
        expect(await log.readAudit('missing')).toEqual([])
        expect(await log.listSessions()).toEqual([])
      })

      test('append bumps updatedAt while keeping the title', async ({ log }) => {
        vi.useFakeTimers({ toFake: ['Date'] })
        try {
          await log.createSession({ id: 'titled', title: 'Kept', createdAt: 10_000 })
          vi.setSystemTime(60_000)
          await log.append('titled', [bytes(2)])
          expect(await log.getSession('titled')).toEqual({
            id: 'titled',
            title: 'Kept',
            createdAt: 10_000,
            updatedAt: 60_000,
            owner: null,
          })
        } finally {
          vi.useRealTimers()
        }
      })

      test('listSessions returns the most recently updated first and honours limit', async ({ log }) => {
        vi.useFakeTimers({ toFake: ['Date'] })
        try {
          for (const [sessionId, time] of [
            ['a', 1_000],
            ['b', 3_000],
            ['c', 2_000],
            ['d', 4_000],
          ] as const) {
            vi.setSystemTime(time)
            await create(log, sessionId)
            await log.append(sessionId, [bytes(1)])
          }
          vi.setSystemTime(5_000)
          await log.append('a', [bytes(2)])
        } finally {
          vi.useRealTimers()
        }
        expect((await log.listSessions()).map((record) => record.id)).toEqual(['a', 'd', 'b', 'c'])
        expect((await log.listSessions({ limit: 2 })).map((record) => record.id)).toEqual(['a', 'd'])
        expect(await log.listSessions({ limit: 0 })).toEqual([])
        expect((await log.listIdleSessions({ updatedBefore: 4_001, limit: 10 })).map((record) => record.id)).toEqual([
          'c',
          'b',
          'd',
        ])
        expect((await log.listIdleSessions({ updatedBefore: 4_000, limit: 2 })).map((record) => record.id)).toEqual([
          'c',
          'b',
        ])
        expect(await log.listIdleSessions({ updatedBefore: 1_000, limit: 10 })).toEqual([])
        const after = { updatedAt: 3_000, id: 'b' }
        expect((await log.listIdleSessions({ updatedBefore: 9_000, limit: 10, after })).map((r) => r.id)).toEqual([
          'd',
          'a',
        ])
        const tie = { updatedAt: 3_000, id: 'a' }
        expect((await log.listIdleSessions({ updatedBefore: 9_000, limit: 1, after: tie })).map((r) => r.id)).toEqual([
          'b',
        ])
      })
    })

    describe('deleteSession', () => {
      test('removes the record, the log rows and the snapshot of one session only', async ({ log }) => {
        await log.createSession({ id: 'erase', title: 'Erase me', createdAt: 1_000 })
        await log.append('erase', [bytes(1), bytes(2), bytes(3)])
        await log.replacePrefix('erase', bytes(9), 2)
        await create(log, 'keep')
        await log.append('keep', [bytes(7)])
        expect(await log.deleteSession('erase')).toBe(true)
        expect(await log.getSession('erase')).toBeUndefined()
        expect(await log.load('erase')).toEqual({ snapshot: undefined, snapshotSeq: 0, entries: [] })
        expect((await log.listSessions()).map((record) => record.id)).toEqual(['keep'])
        expect((await log.load('keep')).entries.map((entry) => entry.seq)).toEqual([1])
        expect(await log.deleteSession('erase')).toBe(false)
      })

      test('removes the audit rows of that session only', async ({ log }) => {
        await create(log, 'erase', 'keep')
        await log.append('erase', [bytes(1), bytes(2)], USER_ORIGIN)
        await log.replacePrefix('erase', bytes(9), 1)
        await log.append('keep', [bytes(7)], AGENT_ORIGIN)
        expect(await log.deleteSession('erase')).toBe(true)
        expect(await log.readAudit('erase')).toEqual([])
        expect((await log.readAudit('keep')).map((entry) => entry.principal)).toEqual(['agent-1'])
        await create(log, 'erase')
        await log.append('erase', [bytes(3)], AGENT_ORIGIN)
        expect((await log.readAudit('erase')).map((entry) => [entry.seq, entry.principal])).toEqual([[1, 'agent-1']])
      })

      test('starts seqs at 1 again when a deleted session id is created again', async ({ log }) => {
        await create(log, 'again')
        await log.append('again', [bytes(1), bytes(2)])
        await log.deleteSession('again')
        await create(log, 'again')
        expect(await log.append('again', [bytes(3)])).toEqual([1])
      })

      test('append after deleteSession does not re-create the session', async ({ log }) => {
        await create(log, 'gone', 'kept')
        await log.append('gone', [bytes(1), bytes(2)], USER_ORIGIN)
        await log.replacePrefix('gone', bytes(9), 1)
        expect(await log.deleteSession('gone')).toBe(true)
        // A late writer (another node that has not heard of the deletion yet), in one group commit with a live session.
        const [late, alive] = await Promise.allSettled([
          log.append('gone', [bytes(3)], USER_ORIGIN),
          log.append('kept', [bytes(4)], AGENT_ORIGIN),
        ])
        expect(late).toMatchObject({
          status: 'rejected',
          reason: { code: 'SESSION_NOT_FOUND', details: { sessionId: 'gone' } },
        })
        expect(alive).toEqual({ status: 'fulfilled', value: [1] })
        // A late compaction stores nothing either.
        await log.replacePrefix('gone', bytes(9, 9), 3)
        expect(await log.getSession('gone')).toBeUndefined()
        expect(await log.load('gone')).toEqual({ snapshot: undefined, snapshotSeq: 0, entries: [] })
        expect(await log.readAudit('gone')).toEqual([])
        expect((await log.listSessions()).map((record) => record.id)).toEqual(['kept'])
      })
    })

    describe('audit', () => {
      test('records one row per update with its origin, seq, time and size; the server by default', async ({ log }) => {
        vi.useFakeTimers({ toFake: ['Date'] })
        try {
          vi.setSystemTime(70_000)
          await create(log, 's')
          await log.append('s', [bytes(1, 2, 3), new Uint8Array(0)], USER_ORIGIN)
          vi.setSystemTime(80_000)
          await log.append('s', [bytes(4)])
        } finally {
          vi.useRealTimers()
        }
        expect(await log.readAudit('s')).toEqual([
          { ...USER_ORIGIN, seq: 1, at: 70_000, bytes: 3 },
          { ...USER_ORIGIN, seq: 2, at: 70_000, bytes: 0 },
          { ...SERVER_WRITE_ORIGIN, seq: 3, at: 80_000, bytes: 1 },
        ])
      })

      test('keeps each origin apart when appends of several writers share a group commit', async ({ log }) => {
        const origins = [USER_ORIGIN, AGENT_ORIGIN, ANONYMOUS_ORIGIN]
        const calls = Array.from({ length: 12 }, (_, index) => ({
          sessionId: `s${index % 2}`,
          origin: origins[index % 3] as WriteOrigin,
          size: index + 1,
        }))
        await create(log, 's0', 's1')
        const seqs = await Promise.all(
          calls.map((call) => log.append(call.sessionId, [new Uint8Array(call.size)], call.origin)),
        )
        for (const sessionId of ['s0', 's1']) {
          const expected = calls.flatMap((call, index) =>
            call.sessionId === sessionId ? [{ ...call.origin, seq: seqs[index]?.[0], bytes: call.size }] : [],
          )
          expected.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
          const audit = await log.readAudit(sessionId)
          expect(
            audit.map(({ at: _at, ...entry }) => entry),
            sessionId,
          ).toEqual(expected)
        }
      })

      test('pages with afterSeq and limit, and returns nothing for an unknown session', async ({ log }) => {
        await create(log, 's')
        await log.append(
          's',
          Array.from({ length: 7 }, (_, index) => bytes(index)),
          AGENT_ORIGIN,
        )
        expect((await log.readAudit('s')).map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
        expect((await log.readAudit('s', { limit: 3 })).map((entry) => entry.seq)).toEqual([1, 2, 3])
        expect((await log.readAudit('s', { afterSeq: 3, limit: 3 })).map((entry) => entry.seq)).toEqual([4, 5, 6])
        expect((await log.readAudit('s', { afterSeq: 6, limit: 3 })).map((entry) => entry.seq)).toEqual([7])
        expect(await log.readAudit('s', { afterSeq: 7 })).toEqual([])
        expect(await log.readAudit('s', { limit: 0 })).toEqual([])
        expect(await log.readAudit('unknown')).toEqual([])
      })

      test('returns at most MAX_AUDIT_PAGE rows, 100 by default', async ({ log }) => {
        await create(log, 'big')
        await log.append(
          'big',
          Array.from({ length: MAX_AUDIT_PAGE + 5 }, () => bytes(1)),
          AGENT_ORIGIN,
        )
        expect(await log.readAudit('big')).toHaveLength(100)
        const page = await log.readAudit('big', { limit: MAX_AUDIT_PAGE + 5 })
        expect(page).toHaveLength(MAX_AUDIT_PAGE)
        expect(page.at(-1)?.seq).toBe(MAX_AUDIT_PAGE)
      })

      test('keeps rows of updates folded into a snapshot, and across close and reopen', async ({
        log,
        closeLog,
        reopen,
      }) => {
        await create(log, 's')
        await log.append('s', [bytes(1), bytes(2)], USER_ORIGIN)
        await log.append('s', [bytes(3)], AGENT_ORIGIN)
        await log.replacePrefix('s', bytes(9), 3)
        const before = await log.readAudit('s')
        expect(before.map((entry) => [entry.seq, entry.principal, entry.role])).toEqual([
          [1, 'user-1', 'user'],
          [2, 'user-1', 'user'],
          [3, 'agent-1', 'agent'],
        ])
        await closeLog(log)
        const reopened = await reopen(log)
        expect(await reopened.readAudit('s')).toEqual(before)
        await reopened.append('s', [bytes(4)], ANONYMOUS_ORIGIN)
        expect(
          (await reopened.readAudit('s', { afterSeq: 3 })).map((entry) => [
            entry.seq,
            entry.principal,
            entry.role,
            entry.connection,
          ]),
        ).toEqual([[4, 'anonymous', null, 'conn-3']])
      })
    })

    describe('close and reopen', () => {
      test('keeps sessions, entries, snapshots and the next seq', async ({ log, closeLog, reopen }) => {
        await log.createSession({ id: 'kept', title: 'Kept', createdAt: 1_000 })
        await log.append('kept', [bytes(1), bytes(2), bytes(3)])
        await log.replacePrefix('kept', bytes(7, 7), 2)
        await create(log, 'other')
        await log.append('other', [new Uint8Array(0), bytes(5)])
        const before = {
          kept: await log.load('kept'),
          other: await log.load('other'),
          records: await log.listSessions(),
        }
        await closeLog(log)

        const reopened = await reopen(log)
        const kept = await reopened.load('kept')
        expectBytes(kept.snapshot, bytes(7, 7), 'snapshot after reopen')
        expect(kept.snapshotSeq).toBe(2)
        expectEntryBytes(
          kept.entries,
          before.kept.entries.map((entry) => entry.update),
        )
        expect(kept.entries.map((entry) => entry.seq)).toEqual([3])
        expectEntryBytes((await reopened.load('other')).entries, [new Uint8Array(0), bytes(5)])
        expect(await reopened.listSessions()).toEqual(before.records)
        expect(await reopened.getSession('kept')).toMatchObject({ id: 'kept', title: 'Kept', createdAt: 1_000 })
        expect(await reopened.append('kept', [bytes(4)])).toEqual([4])
        expect(await reopened.append('other', [bytes(6)])).toEqual([3])
      })

      test("keeps each session's owner", async ({ log, closeLog, reopen }) => {
        await log.createSession({ id: 'owned', title: '', createdAt: 1_000, owner: 'agent-1' })
        await log.createSession({ id: 'ownerless', title: '', createdAt: 2_000 })
        await closeLog(log)
        const reopened = await reopen(log)
        expect(await reopened.getSession('owned')).toMatchObject({ owner: 'agent-1' })
        expect(await reopened.getSession('ownerless')).toMatchObject({ owner: null })
      })

      test('continues after a snapshot that folded the whole log', async ({ log, closeLog, reopen }) => {
        await create(log, 's')
        await log.append('s', [bytes(1), bytes(2), bytes(3)])
        await log.replacePrefix('s', bytes(9), 3)
        await closeLog(log)
        const reopened = await reopen(log)
        expect(await reopened.append('s', [bytes(4)])).toEqual([4])
        const loaded = await reopened.load('s')
        expect(loaded.snapshotSeq).toBe(3)
        expect(loaded.entries.map((entry) => entry.seq)).toEqual([4])
      })

      test('close waits for appends already submitted', async ({ log, closeLog, reopen }) => {
        await create(log, 's')
        const pending = log.append('s', [bytes(1), bytes(2)])
        await closeLog(log)
        expect(await pending).toEqual([1, 2])
        const reopened = await reopen(log)
        expectEntryBytes((await reopened.load('s')).entries, [bytes(1), bytes(2)])
      })
    })
  })
}

const USER_ORIGIN: WriteOrigin = {
  principal: 'user-1',
  role: 'user',
  connection: 'conn-1',
  summary: { messages: ['m1'], steering: ['st1'] },
}
const AGENT_ORIGIN: WriteOrigin = {
  principal: 'agent-1',
  role: 'agent',
  connection: 'conn-2',
  summary: { runs: ['r1'] },
}
const ANONYMOUS_ORIGIN: WriteOrigin = { principal: 'anonymous', role: null, connection: 'conn-3', summary: {} }

/** Creates the records of `sessionIds` (appends need one). */
async function create(log: UpdateLog, ...sessionIds: string[]): Promise<void> {
  for (const id of sessionIds) await log.createSession({ id, title: '', createdAt: Date.now() })
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values)
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index)
}

function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array, label: string): void {
  expect(actual, label).toBeInstanceOf(Uint8Array)
  expect(actual?.byteLength, `${label}: length`).toBe(expected.byteLength)
  // Compared as one buffer so a 1 MB mismatch does not print a million-element diff.
  expect(
    Buffer.compare(Buffer.from(actual ?? new Uint8Array(0)), Buffer.from(expected)),
    `${label}: bytes differ`,
  ).toBe(0)
}

function expectEntryBytes(entries: readonly LogEntry[], expected: readonly Uint8Array[]): void {
  expect(entries.length, 'entry count').toBe(expected.length)
  entries.forEach((entry, index) => {
    expectBytes(entry.update, expected[index] ?? new Uint8Array(0), `entry seq ${entry.seq}`)
  })
}
