/**
 * The official Durable Streams conformance suite (@durable-streams/server-conformance-tests) against a real
 * session server on port 0 with SQLite storage and a 500 ms long-poll timeout (the suite's own timeouts assume
 * one well under 5 s), subscriptions included. Run with `npm run test:conformance`; the counts are in docs/testing.md § Conformance.
 * An error the server could not hand to a caller (its `onError`) fails the run: the suite's requests must never
 * break the server, even when every answer looks right.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runConformanceTests } from '@durable-streams/server-conformance-tests'
import { afterAll, expect } from 'vitest'
import { createSessionServer } from '../../server/session-server.ts'

const LONG_POLL_TIMEOUT_MS = 500
const dir = mkdtempSync(join(tmpdir(), 'lifeline-conformance-'))
const serverErrors: unknown[] = []
const server = await createSessionServer({
  port: 0,
  dataPath: join(dir, 'sessions.sqlite'),
  onError: (error) => {
    serverErrors.push(error)
  },
  streams: { longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, sseReconnectMs: 60_000 },
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
  expect(serverErrors.map(String)).toEqual([])
})

runConformanceTests({ baseUrl: server.url, longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true })
