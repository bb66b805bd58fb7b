/**
 * measureStream: one agent streams `plan.tokens` numbered tokens into a fresh stream of a system's server (in a
 * child process) while `plan.viewers` viewers follow it; returns their latency and delivered throughput. The
 * producer and viewers share this process, so one clock times both ends.
 */
import { createRandomId } from '../../shared/session/session-id.ts'
import { tokenAt } from '../../shared/testing/token-stream.ts'
import { createArrivalTracker, type StreamStats } from '../arrival-tracker.ts'
import { timedTokens, type StreamPlan } from '../stream-plan.ts'
import type { BenchViewer, SystemName } from '../systems/bench-system.ts'
import { BENCH_SYSTEMS } from '../systems/bench-systems.ts'
import { followTokens, tokenEndOffsets } from './follow-tokens.ts'
import { withSystemServer } from './with-system-server.ts'

/** Longest wait for every viewer to hold every token after the producer finished, in ms. */
export const DELIVERY_TIMEOUT_MS = 120_000

/** Runs `plan` on `system` and returns the stats over every (viewer, token). */
export function measureStream (system: SystemName, plan: StreamPlan): Promise<StreamStats> {
  const driver = BENCH_SYSTEMS[system]
  return withSystemServer(system, async (server) => {
    const streamId = `bench-${createRandomId(8)}`
    const producer = await driver.openProducer(server.url, streamId)
    const viewers: BenchViewer[] = []
    try {
      const tracker = createArrivalTracker(plan.viewers, plan.tokens)
      const ends = tokenEndOffsets(plan.tokens)
      for (let viewer = 0; viewer < plan.viewers; viewer++) {
        viewers.push(await driver.openViewer(server.url, streamId, followTokens(tracker, viewer, ends)))
      }
      const sentAt = new Float64Array(plan.tokens)
      await producer.stream(asTokens(timedTokens(plan, sentAt)))
      await tracker.waitForAll(DELIVERY_TIMEOUT_MS)
      return tracker.stats(sentAt)
    } finally {
      await Promise.all(viewers.map((viewer) => viewer.close()))
      await producer.close()
    }
  })
}

/** Numbered tokens for the given indices. */
export async function * asTokens (indices: AsyncIterable<number>): AsyncGenerator<string> {
  for await (const index of indices) yield tokenAt(index)
}
