/**
 * GET /metrics on a real server after real traffic: an agent streaming through the agent SDK, a forged update
 * rejected by governance, a refused token, a client on the HTTP fallback, an update log that fails while another
 * connection holds an exclusive lock on the SQLite file. Each check compares a metric with what the traffic did
 * (the stored log, the streamed text), and the route's access rules are checked with and without auth.
 */
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { describe, expect } from 'vitest'
import * as Y from 'yjs'
import type { SecurityEvent } from '../../server/auth/security-event.ts'
import { FALLBACK_ROUTES } from '../../shared/protocol/http-fallback.ts'
import type { LogEntry } from '../../server/persistence/update-log.ts'
import type { SessionServer } from '../../server/session-server.ts'
import { expectedText, numberedTokens } from '../../shared/testing/token-stream.ts'
import { encodeGcSquat, expectRejected, startConversation } from '../testing/attack-kit.ts'
import { connectFallbackViewer } from '../testing/connect-fallback-viewer.ts'
import { testWithStore } from '../testing/fixtures.ts'
import { connectRawSession } from '../testing/raw-session-socket.ts'
import { metricValue, scrapeMetrics, type MetricSamples } from '../testing/scrape-metrics.ts'
import { TEST_AUTH_SECRET, tokenFor } from '../testing/test-tokens.ts'

const METRICS_TOKEN = 'metrics-token-for-prometheus'
const events: SecurityEvent[] = []
const authOn = testWithStore('sqlite', {
  auth: {
    secret: TEST_AUTH_SECRET,
    onSecurityEvent: (event) => {
      events.push(event)
    },
  },
  metricsToken: METRICS_TOKEN,
  compactEveryUpdates: 1_000_000, // every appended update stays in the log, so the test can add up its bytes
  logger: pino({ level: 'silent' }), // the failed appends provoked below are expected
})
const authOff = testWithStore('sqlite')

const metric = async (
  server: SessionServer,
  name: string,
  labels?: Record<string, string>,
): Promise<number | undefined> => await metricValue(server.url, METRICS_TOKEN, name, labels)

describe('GET /metrics after real traffic', () => {
  authOn(
    'an agent streaming a reply moves appends, bytes, persist latency and agent text by exactly what was stored',
    async ({ server, sessionId, connectClient, connectAgent }) => {
      const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
      await alice.waitForSynced()
      const agent = await connectAgent({ agentId: 'agent-1', token: tokenFor('agent-1', 'agent', sessionId) })
      agent.onUserMessage(async (message) => {
        await agent.startReply({ replyTo: message.id }).pipe(numberedTokens(2_000))
      })
      alice.sendMessage('count to 2000')
      await expect
        .poll(() => alice.messages().find((message) => message.role === 'assistant')?.status, { timeout: 20_000 })
        .toBe('done')
      await agent.client.waitUntilDurable()
      await alice.waitUntilDurable()

      // Run heartbeats may still be landing: scrape, then read the log, until the two agree (a row is stored before
      // its append resolves and is counted, so a metric that over- or under-counts never agrees).
      let entries: LogEntry[] = []
      let samples: MetricSamples | undefined
      await expect
        .poll(
          async () => {
            samples = (await scrapeMetrics(server.url, METRICS_TOKEN)).samples
            entries = await server.updateLog.readSince(sessionId, 0)
            return (samples.value('lifeline_updates_appended_total') ?? Number.NaN) - entries.length
          },
          { timeout: 10_000 },
        )
        .toBe(0)
      if (samples === undefined) throw new Error('no scrape')
      expect(samples.value('lifeline_agent_text_chars_total', { part: 'text' })).toBe(expectedText(2_000).length)
      expect(samples.value('lifeline_update_bytes_appended_total')).toBe(
        entries.reduce((sum, entry) => sum + entry.update.byteLength, 0),
      )
      expect(samples.value('lifeline_persist_duration_seconds_count')).toBe(entries.length)
      expect(samples.value('lifeline_persist_duration_seconds_sum')).toBeGreaterThan(0)
      expect(samples.value('lifeline_persist_duration_seconds_bucket', { le: '+Inf' })).toBe(entries.length)
      expect(samples.value('lifeline_persist_failures_total')).toBe(0)
      expect(samples.value('lifeline_connections', { transport: 'websocket' })).toBe(2)
      expect(samples.value('lifeline_connections', { transport: 'sse' })).toBe(0)
      expect(samples.value('lifeline_sessions_loaded')).toBe(1)

      alice.destroy()
      await expect
        .poll(() => metric(server, 'lifeline_connections', { transport: 'websocket' }), { timeout: 5_000 })
        .toBe(1)
    },
  )

  authOn(
    'a rejected update and a refused token are counted by reason, and the operator listener still hears both',
    async ({ server, sessionId, connectClient, connectAgent }) => {
      const conversation = await startConversation({ sessionId, connectClient, connectAgent })
      expect(
        await metric(server, 'lifeline_rejected_updates_total', { kind: 'update', reason: 'FOREIGN_CLIENT_ID' }),
      ).toBeUndefined()
      const raw = await connectRawSession({
        url: server.websocketUrl,
        sessionId,
        token: tokenFor('mallory', 'user', sessionId),
      })
      raw.sendUpdate(
        encodeGcSquat(
          conversation.agentClientId,
          Y.getState(conversation.agent.client.doc.store, conversation.agentClientId),
          1_000,
        ),
      )
      await expectRejected(raw, events, sessionId, 'FOREIGN_CLIENT_ID')
      expect(
        await metric(server, 'lifeline_rejected_updates_total', { kind: 'update', reason: 'FOREIGN_CLIENT_ID' }),
      ).toBe(1)

      const stranger = connectClient({
        principalId: 'stranger',
        token: tokenFor('stranger', 'user', sessionId, { secret: 'another-secret-0123456789abcdef-xyz' }),
      })
      const refused = new Promise<string>((resolve) => {
        stranger.on('error', (error) => {
          resolve(error.code)
        })
      })
      await expect(refused).resolves.toBe('UNAUTHORIZED')
      await expect
        .poll(() => metric(server, 'lifeline_auth_failures_total', { code: 'UNAUTHORIZED' }), { timeout: 5_000 })
        .toBe(1)
      expect(events.filter((event) => event.sessionId === sessionId).map((event) => event.kind)).toEqual([
        'update-rejected',
        'authentication-failed',
      ])
    },
  )

  authOn(
    'a client on the HTTP fallback is counted as an SSE connection until it leaves',
    async ({ server, sessionId, connectClient }) => {
      const viewer = await connectFallbackViewer(connectClient, sessionId)
      const { samples } = await scrapeMetrics(server.url, METRICS_TOKEN)
      expect(samples.value('lifeline_connections', { transport: 'sse' })).toBe(1)
      expect(samples.value('lifeline_connections', { transport: 'long-poll' })).toBe(0)
      expect(samples.value('lifeline_connections', { transport: 'websocket' })).toBe(0)
      viewer.destroy()
      await expect.poll(() => metric(server, 'lifeline_connections', { transport: 'sse' }), { timeout: 5_000 }).toBe(0)
    },
  )

  authOn('a fallback connection that polls is counted as long-poll until it is closed', async ({ server }) => {
    const cid = 'metrics-long-poll-connection'
    const poll = await fetch(`${server.url}${FALLBACK_ROUTES.POLL}?cid=${cid}&after=0`)
    expect(poll.status).toBe(200)
    expect(await metric(server, 'lifeline_connections', { transport: 'long-poll' })).toBe(1)
    expect(await metric(server, 'lifeline_connections', { transport: 'sse' })).toBe(0)
    expect((await fetch(`${server.url}${FALLBACK_ROUTES.CLOSE}?cid=${cid}`, { method: 'POST' })).status).toBe(204)
    expect(await metric(server, 'lifeline_connections', { transport: 'long-poll' })).toBe(0)
  })

  authOn(
    'appends that fail while another connection locks the database are counted, and later appends still add up',
    async ({ server, store, sessionId, connectClient }) => {
      const alice = connectClient({ principalId: 'alice', token: tokenFor('alice', 'user', sessionId) })
      const errors: string[] = []
      alice.on('error', (error) => {
        errors.push(error.code)
      })
      await alice.waitForSynced()
      const locker = new Database(store.location)
      try {
        locker.exec('BEGIN EXCLUSIVE')
        alice.sendMessage('written while the database is locked')
        // better-sqlite3 waits out its 5 s busy timeout, then the append fails with SQLITE_BUSY.
        await expect
          .poll(() => metric(server, 'lifeline_persist_failures_total'), { timeout: 20_000 })
          .toBeGreaterThanOrEqual(1)
        locker.exec('COMMIT')
      } finally {
        locker.close()
      }
      await expect.poll(() => errors, { timeout: 5_000 }).toContain('PERSISTENCE_FAILED')
      await alice.waitUntilDurable(20_000) // reconnected and resent once the lock was gone
      const bob = connectClient({ principalId: 'bob', token: tokenFor('bob', 'user', sessionId) })
      await bob.waitForSynced(20_000)
      bob.sendMessage('written after the lock is gone')
      await bob.waitUntilDurable(20_000)
      const stored = await server.updateLog.load(sessionId)
      const lastSeq = stored.entries.at(-1)?.seq ?? stored.snapshotSeq
      expect(await metric(server, 'lifeline_updates_appended_total')).toBe(lastSeq)
    },
  )
})

describe('who may read /metrics', () => {
  authOn('with auth on: the metrics token or an observer token for every session', async ({ server, sessionId }) => {
    expect((await scrapeMetrics(server.url)).status).toBe(401)
    expect((await scrapeMetrics(server.url, 'wrong-token')).status).toBe(401)
    expect((await scrapeMetrics(server.url, tokenFor('alice', 'user', '*'))).status).toBe(403)
    expect((await scrapeMetrics(server.url, tokenFor('ops', 'observer', sessionId))).status).toBe(403)
    expect((await scrapeMetrics(server.url, tokenFor('ops', 'observer', '*', { ttlSeconds: 1 }))).status).toBe(200)
    expect((await scrapeMetrics(server.url, METRICS_TOKEN)).status).toBe(200)
  })

  authOff('with auth off: open, unless a metrics token is set', async ({ server, startServer }) => {
    const open = await scrapeMetrics(server.url)
    expect(open.status).toBe(200)
    expect(open.samples.value('lifeline_sessions_loaded')).toBe(0)
    const guarded = await startServer({ metricsToken: METRICS_TOKEN })
    expect((await scrapeMetrics(guarded.url)).status).toBe(401)
    expect((await scrapeMetrics(guarded.url, METRICS_TOKEN)).status).toBe(200)
  })
})
