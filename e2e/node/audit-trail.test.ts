/**
 * Audit trail through real sockets and real storage, with auth on: an agent streams a
 * reply, a user posts and steers, and GET /v1/sessions/:id/audit lists exactly the stored writes (seq 1 up to the
 * log's last seq), each attributed to the principal, role and connection that sent it with the entries it touched.
 * The trail survives compaction and a server restart, only agent and observer tokens may read it, and DELETE
 * erases it. Without auth, writes are attributed to `anonymous`.
 */
import { describe, expect, vi } from 'vitest'
import { getSessionRoots, readRuns, readSteer } from '../../shared/session/session-doc.ts'
import { sessionAuditPath } from '../../shared/protocol/routes.ts'
import { numberedTokens } from '../../shared/testing/token-stream.ts'
import type { AuditEntry } from '../../server/persistence/update-log.ts'
import { test as openTest, testWithStore } from '../testing/fixtures.ts'
import { STORE_KINDS } from '../testing/test-store.ts'
import { AUTH_ON, tokenFor } from '../testing/test-tokens.ts'

interface AuditBody {
  readonly entries?: AuditEntry[]
  readonly next?: number | null
  readonly error?: { readonly code: string }
}

async function fetchAudit(
  baseUrl: string,
  sessionId: string,
  token: string | undefined,
  query = '',
): Promise<{ status: number; body: AuditBody }> {
  const response = await fetch(`${baseUrl}${sessionAuditPath(sessionId)}${query}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  })
  return { status: response.status, body: (await response.json()) as AuditBody }
}

/** Every page of the trail, following `next` with pages of `limit`. */
async function fetchWholeAudit(
  baseUrl: string,
  sessionId: string,
  token: string,
  limit: number,
): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = []
  let after = 0
  for (;;) {
    const { status, body } = await fetchAudit(baseUrl, sessionId, token, `?after=${after}&limit=${limit}`)
    expect(status, JSON.stringify(body.error)).toBe(200)
    entries.push(...(body.entries ?? []))
    if (body.next === null || body.next === undefined) return entries
    expect(body.entries).toHaveLength(limit)
    after = body.next
  }
}

/** Union of the ids an origin's entries touched under `root`. */
function touched(entries: readonly AuditEntry[], root: string): string[] {
  return [...new Set(entries.flatMap((entry) => entry.summary[root] ?? []))].sort()
}

describe.each(STORE_KINDS)('audit trail on %s', (kind) => {
  const test = testWithStore(kind, { ...AUTH_ON, compactEveryUpdates: 20 })

  test('lists who wrote what, survives compaction and restart, and is erased with the session', async ({
    server,
    startServer,
    store,
    sessionId,
    connectClient,
    connectAgent,
  }) => {
    const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
    await alice.waitForSynced()
    const agent = await connectAgent({
      agentId: 'agent-1',
      token: tokenFor('agent-1', 'agent', sessionId),
      maxBufferChars: 40,
      maxBusyBufferChars: 40,
    })
    let replied: Promise<string> | undefined
    agent.onUserMessage((message) => {
      replied = agent.startReply({ replyTo: message.id }).pipe(numberedTokens(300))
    })
    const questionId = alice.sendMessage('count to 300')
    await expect.poll(() => replied, { timeout: 10_000 }).toBeDefined()
    await expect(replied).resolves.toBe('done')
    const notes: string[] = []
    agent.onSteer((steer) => {
      notes.push(steer.text ?? '')
    })
    const steerId = alice.steer({ kind: 'note', text: 'shorter next time' })
    await expect
      .poll(() => getSessionRoots(alice.doc).steering.map(readSteer)[0]?.handledBy, { timeout: 10_000 })
      .toBe('agent-1')
    expect(notes).toEqual(['shorter next time'])
    await Promise.all([alice.waitUntilDurable(), agent.client.waitUntilDurable()])
    const replyId = alice.messages().find((message) => message.role === 'assistant')?.id
    const runIds = readRuns(alice.doc).map((run) => run.id)
    expect(replyId).toBeDefined()
    expect(runIds).toHaveLength(1)

    // Compaction has folded the early log rows into a snapshot; their audit rows stay.
    await expect
      .poll(async () => (await server.updateLog.load(sessionId)).snapshotSeq, { timeout: 10_000 })
      .toBeGreaterThan(0)
    const stored = await server.updateLog.load(sessionId)
    const lastSeq = stored.entries.at(-1)?.seq ?? stored.snapshotSeq

    const observerToken = tokenFor('auditor', 'observer', sessionId)
    const audit = await fetchWholeAudit(server.url, sessionId, observerToken, 25)
    expect(audit.map((entry) => entry.seq)).toEqual(Array.from({ length: lastSeq }, (_, index) => index + 1))
    for (const entry of stored.entries)
      expect(audit[entry.seq - 1]?.bytes, `bytes of seq ${entry.seq}`).toBe(entry.update.byteLength)

    expect([...new Set(audit.map((entry) => entry.principal))].sort()).toEqual(['agent-1', 'alice', 'server'])
    const serverWrites = audit.filter((entry) => entry.principal === 'server')
    const aliceWrites = audit.filter((entry) => entry.principal === 'alice')
    const agentWrites = audit.filter((entry) => entry.principal === 'agent-1')
    expect(serverWrites[0]).toMatchObject({
      seq: 1,
      role: 'server',
      connection: null,
      summary: { meta: expect.arrayContaining(['schema', 'title']) },
    })
    expect(new Set(serverWrites.map((entry) => entry.role))).toEqual(new Set(['server']))
    expect(new Set(aliceWrites.map((entry) => entry.role))).toEqual(new Set(['user']))
    expect(new Set(agentWrites.map((entry) => entry.role))).toEqual(new Set(['agent']))
    // One connection each, told apart.
    const aliceConnections = new Set(aliceWrites.map((entry) => entry.connection))
    const agentConnections = new Set(agentWrites.map((entry) => entry.connection))
    expect(aliceConnections.size).toBe(1)
    expect(agentConnections.size).toBe(1)
    expect([...aliceConnections][0]).toEqual(expect.any(String))
    expect([...aliceConnections][0]).not.toBe([...agentConnections][0])
    // What each wrote: alice her question and her steer; the agent its reply, its run and the steer's handled mark.
    expect(touched(aliceWrites, 'messages')).toEqual([questionId])
    expect(touched(aliceWrites, 'steering')).toEqual([steerId])
    expect(touched(aliceWrites, 'runs')).toEqual([])
    expect(touched(agentWrites, 'messages')).toEqual([replyId])
    expect(touched(agentWrites, 'runs')).toEqual(runIds)
    expect(touched(agentWrites, 'steering')).toEqual([steerId])
    for (const entry of audit) expect(entry.at).toBeGreaterThan(0)

    // Who may read it.
    expect((await fetchAudit(server.url, sessionId, tokenFor('agent-1', 'agent', sessionId))).status).toBe(200)
    expect(await fetchAudit(server.url, sessionId, tokenFor('alice', 'user', sessionId))).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    })
    expect(
      await fetchAudit(server.url, sessionId, tokenFor('auditor', 'observer', 'some-other-session')),
    ).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } })
    expect(await fetchAudit(server.url, sessionId, undefined)).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED' } },
    })
    for (const query of ['?after=-1', '?after=x', '?limit=0', '?limit=1001', '?limit=2.5']) {
      expect(await fetchAudit(server.url, sessionId, observerToken, query), query).toMatchObject({
        status: 400,
        body: { error: { code: 'BAD_REQUEST' } },
      })
    }
    expect(await fetchAudit(server.url, sessionId, observerToken, `?after=${lastSeq}`)).toEqual({
      status: 200,
      body: { entries: [], next: null, quarantined: [] },
    })

    // A restart on the same storage serves the same trail.
    await server.close()
    const restarted = await startServer()
    expect(await fetchWholeAudit(restarted.url, sessionId, observerToken, 1000)).toEqual(audit)

    // Erasure removes it.
    const deleted = await fetch(`${restarted.url}/v1/sessions/${sessionId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tokenFor('alice', 'user', sessionId)}` },
    })
    expect(deleted.status).toBe(204)
    expect(await fetchAudit(restarted.url, sessionId, observerToken)).toMatchObject({
      status: 404,
      body: { error: { code: 'SESSION_NOT_FOUND' } },
    })
    const log = await store.open()
    try {
      expect(await log.readAudit(sessionId)).toEqual([])
    } finally {
      await log.close()
    }
  })
})

describe('audit trail without auth', () => {
  openTest(
    "attributes writes to anonymous with the sender's connection",
    async ({ server, sessionId, connectClient }) => {
      const client = connectClient()
      await client.waitForSynced()
      const messageId = client.sendMessage('hello')
      await client.waitUntilDurable()
      const { status, body } = await fetchAudit(server.url, sessionId, undefined)
      expect(status).toBe(200)
      expect(body.next).toBeNull()
      expect(body.entries?.map((entry) => [entry.seq, entry.principal, entry.role])).toEqual([
        [1, 'server', 'server'],
        [2, 'anonymous', null],
      ])
      expect(body.entries?.[1]).toMatchObject({ connection: expect.any(String), summary: { messages: [messageId] } })
      expect(await fetchAudit(server.url, 'no-such-session', undefined)).toMatchObject({
        status: 404,
        body: { error: { code: 'SESSION_NOT_FOUND' } },
      })
      const post = await fetch(`${server.url}${sessionAuditPath(sessionId)}`, { method: 'POST' })
      expect(post.status).toBe(405)
    },
  )
})

describe('paging a long audit trail', () => {
  openTest(
    'returns every row once, in order, reading the stored session once per walk and again once the log grew',
    async ({ server, sessionId, connectClient }) => {
      const alice = connectClient({ principalId: 'alice' })
      await alice.waitForSynced()
      for (let index = 0; index < 60; index++) {
        alice.sendMessage(`message ${index}`)
        await alice.waitUntilDurable()
      }
      // alice stays connected: the session stays loaded, so nothing but the audit route reads the stored session.
      const stored = await server.updateLog.load(sessionId)
      const lastSeq = stored.entries.at(-1)?.seq ?? stored.snapshotSeq
      expect(lastSeq).toBeGreaterThan(60)
      const loads = vi.spyOn(server.updateLog, 'load')
      try {
        const walked = await fetchWholeAudit(server.url, sessionId, '', 7)
        expect(walked.map((entry) => entry.seq)).toEqual(Array.from({ length: lastSeq }, (_, index) => index + 1))
        expect(loads).toHaveBeenCalledTimes(1)
        expect((await fetchWholeAudit(server.url, sessionId, '', 7)).length).toBe(lastSeq)
        expect(loads).toHaveBeenCalledTimes(1)
        alice.sendMessage('one more')
        await alice.waitUntilDurable()
        const more = await fetchAudit(server.url, sessionId, undefined, `?after=${lastSeq}`)
        expect(more.body.entries?.map((entry) => entry.summary.messages)).toEqual([[expect.any(String)]])
        expect(loads).toHaveBeenCalledTimes(2)
      } finally {
        loads.mockRestore()
      }
    },
  )
})
