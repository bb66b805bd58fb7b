/**
 * Multi-node mode. Three in-process server nodes share one PostgreSQL schema and one Redis (a key
 * prefix unique to the test). An agent on node A, viewers on B and C: identical text everywhere; every update is in
 * the log exactly once (remote updates are not appended again by the nodes that merely relay them); a node that
 * loads the session mid-stream misses nothing; a deletion on one node ends the session on all; roles and clientID
 * ownership hold across nodes.
 */
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import { NodeWebSocket } from '../../client/agent/node-websocket.ts'
import { createAgentSession, type AgentSession, type AgentSessionOptions } from '../../client/agent/agent-session.ts'
import { createSessionClient, type SessionClient } from '../../client/core/session-client.ts'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import type { SessionError } from '../../shared/errors/session-error.ts'
import { applyStoredSession } from '../../server/persistence/load-session-doc.ts'
import type { SessionServer, SessionServerOptions } from '../../server/session-server.ts'
import { readTranscript } from '../../shared/session/session-doc.ts'
import { STREAM_HEADERS } from '../../shared/protocol/durable-streams.ts'
import { sessionStreamPath } from '../../shared/protocol/session-stream-path.ts'
import type { SessionEvent } from '../../shared/protocol/session-events.ts'
import { createPostgresStreamStore } from '../../server/durable-streams/postgres-stream-store.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import { encodeDeleteRange, expectAwarenessRejected, expectRejected } from '../testing/attack-kit.ts'
import { testWithStore, type SessionFixtures } from '../testing/fixtures.ts'
import { connectRawSession, encodeAwarenessState } from '../testing/raw-session-socket.ts'
import { createTestRedisPrefix } from '../testing/test-redis.ts'
import { TEST_POSTGRES_URL } from '../testing/test-store.ts'
import { AUTH_ON, tokenFor } from '../testing/test-tokens.ts'

const events: SecurityEvent[] = []
const LEASE_MS = 600
/** Tests with `count` nodes on one PostgreSQL schema and one Redis prefix, all started with `options`. */
const withNodes = (count: number, options: Partial<SessionServerOptions>) =>
  testWithStore('postgres', options).extend<{ nodes: SessionServer[] }>({
    nodes: async ({ startServer }, use) => {
      const redis = createTestRedisPrefix()
      await use(await startNodes(startServer, count, { redis: { url: redis.url, prefix: redis.prefix } }))
      await redis.remove()
    },
  })
const test = withNodes(3, { compactEveryUpdates: 1_000_000 })
const busyTest = withNodes(2, { runLeaseMs: LEASE_MS, compactEveryUpdates: 10 })
const authTest = withNodes(2, {
  auth: {
    ...AUTH_ON.auth,
    onSecurityEvent: (event: SecurityEvent) => {
      events.push(event)
    },
  },
})

describe('scale-out on Redis + PostgreSQL', () => {
  test('an agent on node A and viewers on B and C see the same text, logged exactly once', async ({
    nodes,
    sessionId,
    onTestFinished,
  }) => {
    const [a, b, c] = nodes as [SessionServer, SessionServer, SessionServer]
    const viewers = [b, c].map((node, index) =>
      track(
        onTestFinished,
        createSessionClient({
          url: node.websocketUrl,
          sessionId,
          principalId: 'viewer',
          device: `v${index}`,
          WebSocket: NodeWebSocket,
        }),
      ),
    )
    await Promise.all(viewers.map((viewer) => viewer.waitForSynced()))
    const agent = await connectAgentTo(a, sessionId, onTestFinished)
    await expect(agent.startReply().pipe(numberedTokens(1_000))).resolves.toBe('done')
    await agent.client.waitUntilDurable()
    const expected = expectedText(1_000)
    for (const viewer of viewers)
      await expect.poll(() => viewer.messages(), { timeout: 20_000 }).toEqual(agent.client.messages())
    expect(replyText(agent.client)).toBe(expected)
    // Persist-before-ack across nodes: what the agent saw confirmed is in the shared log, read by a fresh reader.
    const stored = applyStoredSession(sessionId, await a.updateLog.load(sessionId)).doc
    expect(readTranscript(sessionId, stored).messages.find((message) => message.role === 'assistant')?.text).toBe(
      expected,
    )
    expect(stored.store.pendingStructs).toBeNull()
    // No node appended what it only relayed: no struct is in two log entries.
    expectNoStructLoggedTwice(await a.updateLog.readSince(sessionId, 0))
  })

  test('deleting on node A closes the clients on node B, and a write from B does not re-create the session', async ({
    nodes,
    sessionId,
    onTestFinished,
  }) => {
    const [a, b] = nodes as [SessionServer, SessionServer]
    const user = track(
      onTestFinished,
      createSessionClient({ url: b.websocketUrl, sessionId, principalId: 'user-1', WebSocket: NodeWebSocket }),
    )
    await user.waitForSynced()
    const agent = await connectAgentTo(a, sessionId, onTestFinished)
    user.sendMessage('remember this')
    await expect(agent.startReply().pipe(numberedTokens(100))).resolves.toBe('done')
    await Promise.all([user.waitUntilDurable(), agent.client.waitUntilDurable()])
    await expect.poll(() => user.messages(), { timeout: 10_000 }).toEqual(agent.client.messages())
    const errors: SessionError[] = []
    user.on('error', (error) => {
      errors.push(error)
    })
    expect((await fetch(`${a.url}/v1/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204)
    // The user on node B writes right away: refused on node B's notice, or by the store if it comes first.
    user.sendMessage('written after the deletion')
    await expect.poll(() => [user.status, agent.client.status], { timeout: 10_000 }).toEqual(['failed', 'failed'])
    expect(errors.map((error) => error.code)).toEqual(['SESSION_DELETED'])
    for (const node of [a, b])
      await expect.poll(() => node.hocuspocus.documents.has(sessionId), { timeout: 10_000 }).toBe(false)
    expect(await b.updateLog.getSession(sessionId)).toBeUndefined()
    expect(await b.updateLog.load(sessionId)).toEqual({ snapshot: undefined, snapshotSeq: 0, entries: [] })
    expect(await b.updateLog.readAudit(sessionId)).toEqual([])
    expect((await fetch(`${b.url}/v1/sessions/${sessionId}`)).status).toBe(404)
  })

  const sharedStreamsTest = testWithStore('postgres', { compactEveryUpdates: 1_000_000 })
  /** Two nodes on one Redis prefix, each with its own PostgreSQL stream store on the test's schema. */
  const startStreamNodes = async (
    { store, startServer }: Pick<SessionFixtures, 'store' | 'startServer'>,
    onTestFinished: (fn: () => Promise<void>) => void,
  ): Promise<SessionServer[]> => {
    const redis = createTestRedisPrefix()
    onTestFinished(() => redis.remove())
    const startNode = async (): Promise<SessionServer> =>
      startServer({
        redis: { url: redis.url, prefix: redis.prefix },
        streams: {
          store: await createPostgresStreamStore({ connectionString: TEST_POSTGRES_URL, schema: store.location }),
        },
      })
    return [await startNode(), await startNode()]
  }

  sharedStreamsTest(
    'nodes sharing the stream store record one session event stream, each event once',
    async ({ store, startServer, sessionId, onTestFinished }) => {
      const [a, b] = (await startStreamNodes({ store, startServer }, onTestFinished)) as [SessionServer, SessionServer]
      const viewer = track(
        onTestFinished,
        createSessionClient({ url: b.websocketUrl, sessionId, principalId: 'viewer', WebSocket: NodeWebSocket }),
      )
      await viewer.waitForSynced()
      const agent = await connectAgentTo(a, sessionId, onTestFinished)
      const reply = agent.startReply()
      await expect(reply.pipe(numberedTokens(1_000))).resolves.toBe('done')
      await agent.client.waitUntilDurable()
      await expect.poll(() => replyText(viewer), { timeout: 20_000 }).toBe(expectedText(1_000))
      const replyDeltas = (events: readonly SessionEvent[]): string =>
        events
          .map((event) => (event.type === 'message.delta' && event.messageId === reply.id ? event.text : ''))
          .join('')
      await expect
        .poll(async () => replyDeltas(await readSessionEvents(b, sessionId)), { timeout: 20_000 })
        .toBe(expectedText(1_000))
      const fromA = await readSessionEvents(a, sessionId)
      expect(fromA).toEqual(await readSessionEvents(b, sessionId))
      expect(fromA.filter((event) => event.type === 'message.created').map((event) => event.messageId)).toEqual([
        reply.id,
      ])
      expect(fromA.filter((event) => event.type === 'message.done')).toHaveLength(1)
    },
  )

  sharedStreamsTest(
    'a generic stream takes appends through both nodes, and a long-poll on one wakes for the other',
    async ({ store, startServer, sessionId, onTestFinished }) => {
      const [a, b] = (await startStreamNodes({ store, startServer }, onTestFinished)) as [SessionServer, SessionServer]
      const url = (node: SessionServer, query = ''): string => `${node.url}/v1/stream/notes/${sessionId}${query}`
      const post = async (node: SessionServer, note: string): Promise<void> => {
        const response = await fetch(url(node), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(note),
        })
        expect(response.status, await response.text()).toBe(204)
      }
      expect((await fetch(url(a), { method: 'PUT', headers: { 'content-type': 'application/json' } })).status).toBe(201)
      await Promise.all(Array.from({ length: 20 }, (_, index) => post(index % 2 === 0 ? a : b, `note ${index}`)))
      const caughtUp = await fetch(url(b, '?offset=-1'))
      expect(((await caughtUp.json()) as string[]).sort()).toEqual(
        Array.from({ length: 20 }, (_, index) => `note ${index}`).sort(),
      )
      // Node B answers a long-poll at the tail when data comes, or after 20 s (past this test's timeout) if nothing woke
      // it. (stream-service.test.ts proves the cross-node wake-up without the HTTP race between this GET and the POST.)
      const tail = caughtUp.headers.get(STREAM_HEADERS.NEXT_OFFSET) ?? ''
      const waiting = fetch(url(b, `?offset=${tail}&live=long-poll`))
      await post(a, 'late note')
      const woken = await waiting
      expect(woken.status).toBe(200)
      expect(await woken.json()).toEqual(['late note'])
    },
    15_000,
  )

  test('a node that loads the session while another streams misses nothing', async ({
    nodes,
    sessionId,
    onTestFinished,
  }) => {
    const [a, b] = nodes as [SessionServer, SessionServer]
    // Small agent updates, and the stream waits at token 400 until the late viewer has synced: node B loads the session
    // while text is in flight (with 8 KB updates and no wait, the stream could end before B had opened the document).
    const agent = await connectAgentTo(a, sessionId, onTestFinished, { maxBufferChars: 64, maxBusyBufferChars: 64 })
    let late: SessionClient | undefined
    const streamed = agent.startReply().pipe(
      numberedTokens(1_000, async (index) => {
        if (index !== 400) return
        late = track(
          onTestFinished,
          createSessionClient({ url: b.websocketUrl, sessionId, principalId: 'late', WebSocket: NodeWebSocket }),
        )
        await late.waitForSynced()
        expect(replyText(late).length).toBeGreaterThan(0)
      }),
    )
    await expect(streamed).resolves.toBe('done')
    await agent.client.waitUntilDurable()
    expect(b.hocuspocus.documents.has(sessionId)).toBe(true)
    await expect.poll(() => replyText(late as SessionClient), { timeout: 20_000 }).toBe(expectedText(1_000))
    expectNoStructLoggedTwice(await a.updateLog.readSince(sessionId, 0))
  })

  test('presence crosses nodes', async ({ nodes, sessionId, onTestFinished }) => {
    const [a, b] = nodes as [SessionServer, SessionServer]
    const viewer = track(
      onTestFinished,
      createSessionClient({ url: b.websocketUrl, sessionId, principalId: 'viewer', WebSocket: NodeWebSocket }),
    )
    await viewer.waitForSynced()
    await connectAgentTo(a, sessionId, onTestFinished)
    await expect
      .poll(
        () =>
          viewer
            .presence()
            .map((member) => `${member.role}:${member.principalId}`)
            .sort(),
        { timeout: 10_000 },
      )
      .toEqual(['agent:agent-1', 'user:viewer'])
  })

  busyTest(
    'both nodes interrupt a vanished agent run alike, and a new agent on the other node resumes it',
    async ({ nodes, sessionId, onTestFinished }) => {
      const [a, b] = nodes as [SessionServer, SessionServer]
      const viewers = [a, b].map((node) =>
        track(
          onTestFinished,
          createSessionClient({ url: node.websocketUrl, sessionId, principalId: 'user-1', WebSocket: NodeWebSocket }),
        ),
      )
      await Promise.all(viewers.map((viewer) => viewer.waitForSynced()))
      const crashed = await createAgentSession({ url: a.websocketUrl, sessionId, agentId: 'agent-1', heartbeatMs: 100 })
      const question = (viewers[1] as SessionClient).sendMessage('a long answer, please')
      const partial = crashed.startReply({ replyTo: question })
      partial.append(expectedText(50))
      partial.flush()
      await crashed.client.waitUntilDurable()
      crashed.client.destroy() // gone without end() or heartbeats: both nodes' leases run out
      const status = (viewer: SessionClient): string | undefined =>
        viewer.messages().find((message) => message.role === 'assistant')?.status
      for (const viewer of viewers) await expect.poll(() => status(viewer), { timeout: 10_000 }).toBe('interrupted')
      const resumer = await connectAgentTo(b, sessionId, onTestFinished)
      expect(resumer.interruptedReplies().map((message) => message.id)).toEqual([partial.id])
      await expect(resumer.resumeReply(partial.id).pipe(numberedTokens(100))).resolves.toBe('done')
      for (const viewer of viewers)
        await expect.poll(() => viewer.messages(), { timeout: 10_000 }).toEqual(resumer.client.messages())
      expect(replyText(resumer.client)).toBe(expectedText(50) + expectedText(100))
      expect(status(resumer.client)).toBe('done')
    },
  )

  busyTest('both nodes compacting the same session lose nothing', async ({ nodes, sessionId, onTestFinished }) => {
    const [a, b] = nodes as [SessionServer, SessionServer]
    const user = track(
      onTestFinished,
      createSessionClient({ url: b.websocketUrl, sessionId, principalId: 'user-1', WebSocket: NodeWebSocket }),
    )
    await user.waitForSynced()
    const agent = await connectAgentTo(a, sessionId, onTestFinished)
    const streamed = agent.startReply().pipe(
      numberedTokens(1_500, (index) => {
        if (index % 50 === 0) user.sendMessage(`note ${index}`)
      }),
    )
    await expect(streamed).resolves.toBe('done')
    await Promise.all([agent.client.waitUntilDurable(), user.waitUntilDurable()])
    // Both replicas still receive each other's last changes: poll until they agree (and hold all 30 notes).
    const sameOnBoth = (): boolean => JSON.stringify(user.messages()) === JSON.stringify(agent.client.messages())
    await expect.poll(() => sameOnBoth() && user.messages().length, { timeout: 10_000 }).toBe(31)
    const log = await a.updateLog.load(sessionId)
    expect(log.snapshot).toBeDefined() // compaction ran
    const stored = applyStoredSession(sessionId, log).doc
    expect(stored.store.pendingStructs).toBeNull()
    expect(readTranscript(sessionId, stored).messages).toEqual(user.messages())
    expect(user.messages().filter((message) => message.role === 'user')).toHaveLength(30)
  })

  authTest(
    'a user on node B cannot delete what the agent wrote through node A',
    async ({ nodes, sessionId, onTestFinished }) => {
      const [a, b] = nodes as [SessionServer, SessionServer]
      const agent = await connectAgentTo(a, sessionId, onTestFinished, {
        token: tokenFor('agent-1', 'agent', sessionId),
      })
      const reply = agent.startReply()
      reply.append('the agent said this')
      await reply.end('done')
      await agent.client.waitUntilDurable()
      const raw = await connectRawSession({
        url: b.websocketUrl,
        sessionId,
        token: tokenFor('mallory', 'user', sessionId),
      })
      onTestFinished(() => {
        raw.close()
      })
      const agentClientId = agent.client.doc.clientID
      // Node B loaded the session from the log and from node A (through Redis) before it answered.
      const seenByB = new Y.Doc()
      Y.applyUpdate(seenByB, await raw.serverState())
      expect(Y.getState(seenByB.store, agentClientId)).toBe(Y.getState(agent.client.doc.store, agentClientId))
      const attack = encodeDeleteRange(agentClientId, 0, Y.getState(agent.client.doc.store, agentClientId))
      raw.sendUpdate(attack)
      await expectRejected(raw, events, sessionId, 'FORBIDDEN_DELETE')
      const stored = applyStoredSession(sessionId, await b.updateLog.load(sessionId)).doc
      expect(readTranscript(sessionId, stored).messages.find((message) => message.role === 'assistant')?.text).toBe(
        'the agent said this',
      )
    },
  )

  authTest(
    'a clientID announced on node A cannot be claimed by another principal on node B',
    async ({ nodes, sessionId, onTestFinished }) => {
      const [a, b] = nodes as [SessionServer, SessionServer]
      const clientId = 881_001
      const alice = await connectRawSession({
        url: a.websocketUrl,
        sessionId,
        token: tokenFor('alice', 'user', sessionId),
      })
      onTestFinished(() => {
        alice.close()
      })
      alice.sendAwareness(encodeAwarenessState(clientId, { member: { principalId: 'alice' } }))
      await alice.waitForFrame('awareness', 5_000, () => true)
      const bob = await connectRawSession({ url: b.websocketUrl, sessionId, token: tokenFor('bob', 'user', sessionId) })
      onTestFinished(() => {
        bob.close()
      })
      bob.sendAwareness(encodeAwarenessState(clientId, { member: { principalId: 'bob' } }))
      await expectAwarenessRejected(bob, events, sessionId, 'FOREIGN_CLIENT_ID')
      expect(alice.frames.some((frame) => frame.type === 'close-message')).toBe(false)
    },
  )
})

/** Every event of `sessionId`'s event stream, read from `node` with catch-up reads. */
async function readSessionEvents(node: SessionServer, sessionId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = []
  let offset = '-1'
  for (;;) {
    const response = await fetch(`${node.url}${sessionStreamPath(sessionId)}?offset=${offset}`)
    expect(response.status).toBe(200)
    events.push(...((await response.json()) as SessionEvent[]))
    offset = response.headers.get(STREAM_HEADERS.NEXT_OFFSET) ?? ''
    if (response.headers.get(STREAM_HEADERS.UP_TO_DATE) === 'true') return events
  }
}

async function startNodes(
  startServer: SessionFixtures['startServer'],
  count: number,
  options: Partial<SessionServerOptions>,
): Promise<SessionServer[]> {
  const nodes: SessionServer[] = []
  for (let index = 0; index < count; index++) nodes.push(await startServer(options))
  return nodes
}

function track(onTestFinished: (fn: () => void) => void, client: SessionClient): SessionClient {
  onTestFinished(() => {
    client.destroy()
  })
  return client
}

async function connectAgentTo(
  node: SessionServer,
  sessionId: string,
  onTestFinished: (fn: () => void) => void,
  options: Partial<AgentSessionOptions> = {},
): Promise<AgentSession> {
  const agent = await createAgentSession({ url: node.websocketUrl, sessionId, agentId: 'agent-1', ...options })
  onTestFinished(() => {
    agent.client.destroy()
  })
  return agent
}

function replyText(client: SessionClient): string {
  return client.messages().find((message) => message.role === 'assistant')?.text ?? ''
}

/** Fails when two log entries carry the same struct (clientID and clock): an update appended twice. */
function expectNoStructLoggedTwice(
  entries: ReadonlyArray<{ readonly seq: number; readonly update: Uint8Array }>,
): void {
  const seen = new Map<number, Array<[number, number, number]>>()
  for (const { seq, update } of entries) {
    for (const struct of Y.decodeUpdate(update).structs) {
      const ranges = seen.get(struct.id.client) ?? []
      const overlap = ranges.find(([start, end]) => struct.id.clock < end && start < struct.id.clock + struct.length)
      expect(
        overlap,
        `clientID ${struct.id.client} clock ${struct.id.clock} logged in seq ${overlap?.[2]} and ${seq}`,
      ).toBeUndefined()
      ranges.push([struct.id.clock, struct.id.clock + struct.length, seq])
      seen.set(struct.id.client, ranges)
    }
  }
  expect(seen.size).toBeGreaterThan(0)
}
