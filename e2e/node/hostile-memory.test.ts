/**
 * Memory after hostile input (docs/security.md § Limits): a real server in its own process (auth on, default limits, SQLite;
 * V8 flags that make RSS after a GC mean what the server holds, start-hostile-server.ts) takes three rounds of the
 * hostile battery (e2e/memory/hostile-battery.ts) over real sockets; once it is idle again and has collected garbage,
 * its resident set is within 32 MB of what it was at start, and it holds no more Buffers than then.
 */
import { expect } from 'vitest'
import { testSeed } from '../../shared/testing/seeded-random.ts'
import { runHostileBattery } from '../memory/hostile-battery.ts'
import { startHostileServer, type ServerMemory } from '../memory/start-hostile-server.ts'
import { test } from '../testing/fixtures.ts'

/** The most the server's RSS may grow over the battery. */
const MAX_RSS_GROWTH_BYTES = 32 * 1000 * 1000
/** The most its Buffers may grow: none of the battery's frames, answers or connections may stay behind. */
const MAX_EXTERNAL_GROWTH_BYTES = 1000 * 1000
const ROUNDS = 3 // the test's name says three

const megabytes = (bytes: number): string => (bytes / 1e6).toFixed(1)
const describeMemory = (memory: ServerMemory): string =>
  `rss ${megabytes(memory.rss)} MB, heap ${megabytes(memory.heapUsed)} of ${megabytes(memory.heapTotal)} MB, external ${megabytes(memory.external)} MB`

test('server RSS after three rounds of hostile input and a GC stays within 32 MB of its start, its Buffers at their start', async () => {
  const seed = testSeed(7)
  const server = await startHostileServer()
  try {
    const start = await server.memory()
    const lines = [`seed ${seed}; start: ${describeMemory(start)}`]
    let last = start
    for (let round = 1; round <= ROUNDS; round++) {
      const counts = await runHostileBattery({ url: server.url, websocketUrl: server.websocketUrl, round, seed })
      // Idle again: every connection gone and every session unloaded (HTTP appends hold theirs for a few seconds).
      await expect
        .poll(async () => await (await fetch(`${server.url}/healthz`)).json(), { timeout: 60_000, interval: 250 })
        .toMatchObject({ connections: 0, sessionsLoaded: 0 })
      last = await server.memory()
      lines.push(
        `round ${round} (${counts.connections} connections, ${counts.frames} frames): ${describeMemory(last)}, +${megabytes(last.rss - start.rss)} MB`,
      )
    }
    console.log(lines.join('\n'))
    expect(last.rss - start.rss, lines.join('\n')).toBeLessThanOrEqual(MAX_RSS_GROWTH_BYTES)
    expect(last.external - start.external, lines.join('\n')).toBeLessThanOrEqual(MAX_EXTERNAL_GROWTH_BYTES)
  } finally {
    await server.stop()
  }
}, 600_000)
