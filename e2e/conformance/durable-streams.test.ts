/**
 * The official Durable Streams conformance suite (@durable-streams/server-conformance-tests) against a real
 * session server on port 0 with SQLite storage and a 500 ms long-poll timeout (the suite's own timeouts assume
 * one well under 5 s). Run with `npm run test:conformance`; skipped groups are listed in README §Durable Streams.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runConformanceTests } from '@durable-streams/server-conformance-tests'
import { afterAll } from 'vitest'
import { createSessionServer } from '../../server/session-server.ts'

const LONG_POLL_TIMEOUT_MS = 500
const dir = mkdtempSync(join(tmpdir(), 'lifeline-conformance-'))
const server = await createSessionServer({
  port: 0, dataPath: join(dir, 'sessions.sqlite'), onError: () => {},
  streams: { longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, sseReconnectMs: 60_000 },
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

runConformanceTests({ baseUrl: server.url, longPollTimeoutMs: LONG_POLL_TIMEOUT_MS })
