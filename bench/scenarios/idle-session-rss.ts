/**
 * Scenario `idle-rss`: SESSIONS sessions, each holding a short reply (REPLY_TOKENS tokens written by an agent
 * that then leaves) and one idle connected viewer. Reported: the server process's RSS growth (after a full GC,
 * from the empty server to all sessions open) divided by the number of sessions.
 */
import { createRandomId } from '../../shared/session/session-id.ts'
import { expectedText, tokenAt } from '../../shared/testing/token-stream.ts'
import type { BenchViewer, SystemName } from '../systems/bench-system.ts'
import { BENCH_SYSTEMS } from '../systems/bench-systems.ts'
import type { BenchRow, BenchScenario } from './bench-scenario.ts'
import { DELIVERY_TIMEOUT_MS } from './measure-stream.ts'
import { tryMeasure, type FailureNotes } from './try-measure.ts'
import { createLengthWatch } from './wait-for-length.ts'
import { withSystemServer } from './with-system-server.ts'

const REPLY_TOKENS = 20
/** Sessions opened at once. */
const CONCURRENCY = 50

/** The idle-session memory scenario. */
export const idleSessionRss: BenchScenario = {
  name: 'idle-rss',
  async run({ quick, systems, progress, idleSessions }) {
    const sessions = idleSessions ?? (quick ? 100 : 10_000)
    const values: BenchRow['values'] = {}
    const failures: FailureNotes = {}
    for (const system of systems) {
      const started = performance.now()
      const perSession = await tryMeasure(system, failures, progress, () => measureIdleRss(system, sessions, progress))
      if (perSession === undefined) continue
      values[system] = perSession
      progress(
        `  idle rss ${system}: ${(values[system] ?? Number.NaN).toFixed(1)} KB/session (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      )
    }
    return {
      rows: [
        {
          scenario: `idle sessions (${sessions}, 1 viewer each)`,
          metric: 'server RSS KB/session',
          values,
          notApplicable: failures,
          lowerIsBetter: true,
        },
      ],
    }
  },
}

async function measureIdleRss(system: SystemName, sessions: number, progress: (line: string) => void): Promise<number> {
  const driver = BENCH_SYSTEMS[system]
  return await withSystemServer(system, async (server) => {
    const empty = await server.rss()
    const viewers: BenchViewer[] = []
    const run = createRandomId(6)
    const reply = expectedText(REPLY_TOKENS)
    const openSession = async (index: number): Promise<void> => {
      const streamId = `idle-${run}-${index}`
      const watch = createLengthWatch()
      const producer = await driver.openProducer(server.url, streamId)
      try {
        viewers.push(await driver.openViewer(server.url, streamId, watch.onLength))
        await producer.stream(
          (async function* () {
            for (let token = 0; token < REPLY_TOKENS; token++) yield tokenAt(token)
          })(),
        )
        await watch.waitFor(reply.length, DELIVERY_TIMEOUT_MS, `the viewer of ${streamId} to hold the reply`)
      } finally {
        await producer.close()
      }
    }
    try {
      for (let next = 0; next < sessions; next += CONCURRENCY) {
        // allSettled: every session of the batch has finished opening (and its viewer is in `viewers`) before a failure is thrown
        const batch = await Promise.allSettled(
          Array.from({ length: Math.min(CONCURRENCY, sessions - next) }, (_, offset) => openSession(next + offset)),
        )
        for (const outcome of batch) if (outcome.status === 'rejected') throw outcome.reason
        if ((next + CONCURRENCY) % 1000 === 0) progress(`    ${system}: ${next + CONCURRENCY} sessions open`)
      }
      const loaded = await server.rss()
      return (loaded - empty) / sessions / 1024
    } finally {
      await Promise.all(viewers.map((viewer) => viewer.close()))
    }
  })
}
